/*
 * An LD_PRELOAD shim that makes the disk fail for files under one directory,
 * for the fault-injection test (engine/tests/fault_injection.rs).
 *
 * Every call that writes or syncs a file under $FAULT_DIR is an injection
 * point: write, pwrite, writev, pwritev, ftruncate, fallocate, fsync,
 * fdatasync, sync_file_range on a descriptor opened under the directory;
 * open/openat with O_CREAT, rename, mkdir, unlink of a path under it. The
 * shim numbers the points of the process from 1. With FAULT_AT=N and
 * FAULT_ERRNO=E, point N and every later point fail with errno E, as a full
 * or read-only filesystem or a failed device keeps failing. Without
 * FAULT_AT, nothing fails. If FAULT_COUNT_FILE is set, the number of points
 * the process reached is written there at exit (the counting run).
 *
 * Descriptors are tracked from the open that returned them to close. The
 * shim removes LD_PRELOAD and its variables from the environment at load, so
 * only the process the test starts is affected, not the tools it runs.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FD 65536

static char tracked[MAX_FD];
static char dir[4096];
static size_t dir_len;
static long fault_at;
static int fault_errno;
static long points;
static const char *count_file;

__attribute__((constructor)) static void init(void) {
    const char *d = getenv("FAULT_DIR");
    if (d && *d && strlen(d) < sizeof dir) {
        strcpy(dir, d);
        dir_len = strlen(dir);
    }
    const char *at = getenv("FAULT_AT");
    fault_at = at ? atol(at) : 0;
    const char *e = getenv("FAULT_ERRNO");
    fault_errno = e ? atoi(e) : EIO;
    const char *c = getenv("FAULT_COUNT_FILE");
    static char count_path[4096];
    if (c && strlen(c) < sizeof count_path) {
        strcpy(count_path, c);
        count_file = count_path;
    }
    /* Only this process: the hook tools it runs write no store files, and
       must not overwrite the count. */
    unsetenv("LD_PRELOAD");
    unsetenv("FAULT_DIR");
    unsetenv("FAULT_AT");
    unsetenv("FAULT_ERRNO");
    unsetenv("FAULT_COUNT_FILE");
}

__attribute__((destructor)) static void report(void) {
    if (!count_file) {
        return;
    }
    FILE *f = fopen(count_file, "w");
    if (f) {
        fprintf(f, "%ld\n", points);
        fclose(f);
    }
}

static int under_dir(const char *path) {
    if (!dir_len || !path) {
        return 0;
    }
    return strncmp(path, dir, dir_len) == 0 && (path[dir_len] == '/' || path[dir_len] == 0);
}

static int fd_tracked(int fd) { return fd >= 0 && fd < MAX_FD && tracked[fd]; }

/* One injection point: 1 if it must fail (errno set). */
static int inject(void) {
    points++;
    if (fault_at > 0 && points >= fault_at) {
        errno = fault_errno;
        return 1;
    }
    return 0;
}

/* The libc function this one wraps, looked up once. */
#define REAL(name)                                                             \
    static void *real_##name;                                                  \
    if (!real_##name) {                                                        \
        real_##name = dlsym(RTLD_NEXT, #name);                                 \
    }

static int track(int fd, const char *path) {
    if (fd >= 0 && fd < MAX_FD) {
        tracked[fd] = under_dir(path);
    }
    return fd;
}

#define OPEN_LIKE(name)                                                        \
    int name(const char *path, int flags, ...) {                               \
        REAL(name)                                \
        mode_t mode = 0;                                                       \
        if (flags & (O_CREAT | __O_TMPFILE)) {                                 \
            va_list ap;                                                        \
            va_start(ap, flags);                                               \
            mode = va_arg(ap, mode_t);                                         \
            va_end(ap);                                                        \
        }                                                                      \
        if ((flags & O_CREAT) && under_dir(path) && inject()) {               \
            return -1;                                                         \
        }                                                                      \
        return track(((int (*)(const char *, int, ...))real_##name)(path, flags, mode), path);                    \
    }
OPEN_LIKE(open)
OPEN_LIKE(open64)

#define OPENAT_LIKE(name)                                                      \
    int name(int dirfd, const char *path, int flags, ...) {                    \
        REAL(name)                           \
        mode_t mode = 0;                                                       \
        if (flags & (O_CREAT | __O_TMPFILE)) {                                 \
            va_list ap;                                                        \
            va_start(ap, flags);                                               \
            mode = va_arg(ap, mode_t);                                         \
            va_end(ap);                                                        \
        }                                                                      \
        if ((flags & O_CREAT) && under_dir(path) && inject()) {               \
            return -1;                                                         \
        }                                                                      \
        return track(((int (*)(int, const char *, int, ...))real_##name)(dirfd, path, flags, mode), \
                     path);             \
    }
OPENAT_LIKE(openat)
OPENAT_LIKE(openat64)

int close(int fd) {
    REAL(close)
    if (fd >= 0 && fd < MAX_FD) {
        tracked[fd] = 0;
    }
    return ((int (*)(int))real_close)(fd);
}

#define FD_POINT(ret, name, params, args)                                      \
    ret name params {                                                          \
        REAL(name)                                                   \
        if (fd_tracked(fd) && inject()) {                                      \
            return -1;                                                         \
        }                                                                      \
        return ((ret(*) params)real_##name) args;                              \
    }

FD_POINT(ssize_t, write, (int fd, const void *buf, size_t n), (fd, buf, n))
FD_POINT(ssize_t, pwrite, (int fd, const void *buf, size_t n, off_t o), (fd, buf, n, o))
FD_POINT(ssize_t, pwrite64, (int fd, const void *buf, size_t n, off64_t o), (fd, buf, n, o))
FD_POINT(ssize_t, writev, (int fd, const struct iovec *v, int c), (fd, v, c))
FD_POINT(ssize_t, pwritev, (int fd, const struct iovec *v, int c, off_t o), (fd, v, c, o))
FD_POINT(ssize_t, pwritev64, (int fd, const struct iovec *v, int c, off64_t o), (fd, v, c, o))
FD_POINT(int, ftruncate, (int fd, off_t len), (fd, len))
FD_POINT(int, ftruncate64, (int fd, off64_t len), (fd, len))
FD_POINT(int, fallocate, (int fd, int mode, off_t o, off_t len), (fd, mode, o, len))
FD_POINT(int, fallocate64, (int fd, int mode, off64_t o, off64_t len), (fd, mode, o, len))
FD_POINT(int, fsync, (int fd), (fd))
FD_POINT(int, fdatasync, (int fd), (fd))
FD_POINT(int, sync_file_range, (int fd, off64_t o, off64_t n, unsigned int f), (fd, o, n, f))

#define PATH_POINT(name, params, args, test)                                   \
    int name params {                                                          \
        REAL(name)                                                   \
        if ((test) && inject()) {                                              \
            return -1;                                                         \
        }                                                                      \
        return ((int(*) params)real_##name) args;                              \
    }

PATH_POINT(rename, (const char *a, const char *b), (a, b), under_dir(a) || under_dir(b))
PATH_POINT(renameat, (int da, const char *a, int db, const char *b), (da, a, db, b),
           under_dir(a) || under_dir(b))
PATH_POINT(renameat2, (int da, const char *a, int db, const char *b, unsigned int f),
           (da, a, db, b, f), under_dir(a) || under_dir(b))
PATH_POINT(mkdir, (const char *p, mode_t m), (p, m), under_dir(p))
PATH_POINT(unlink, (const char *p), (p), under_dir(p))
