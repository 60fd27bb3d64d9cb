//! Unit store benchmarks: open (with its lock), and one hook's commit of N
//! flags and N values (one sled batch, one flush, one fdatasync, and the
//! generation file written beside it), for sled's default segment size and
//! for 64 KiB segments.
//!
//! `cargo bench -p charm-reactive --bench store`.
//!
//! * `open-existing`: a store with nothing committed since its last open: what
//!   sled reads to start.
//! * `open-after-commit`: the open of every real hook, the previous hook having
//!   committed: sled also recovers the log's tail, overwrites the rest of its
//!   segment with zeros, syncs, and writes a snapshot.
//! * `commit`: one hook's commit, durable when it returns.

use std::hint::black_box;

use charm_reactive::store::{OpenOptions, Store, SLED_SEGMENT_SIZE};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};

const SEGMENT_SIZES: [usize; 2] = [SLED_SEGMENT_SIZE, 64 * 1024];

fn options(segment_size: usize) -> OpenOptions {
    OpenOptions {
        segment_size,
        ..OpenOptions::default()
    }
}

fn label(segment_size: usize) -> String {
    format!("{}KiB-segments", segment_size / 1024)
}

/// A store in a fresh directory with one committed hook.
fn committed_store(segment_size: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let store = Store::open_with(&path, &options(segment_size)).unwrap();
    let mut tx = store.transaction();
    tx.set("kv/counter", &1u64).unwrap();
    tx.commit().unwrap();
    (dir, path)
}

fn open(c: &mut Criterion) {
    let mut group = c.benchmark_group("store/open");
    for segment_size in SEGMENT_SIZES {
        let (_dir, path) = committed_store(segment_size);
        drop(Store::open(&path).unwrap());
        group.bench_function(
            BenchmarkId::new("open-existing", label(segment_size)),
            |b| b.iter(|| black_box(Store::open(&path).unwrap())),
        );
        group.bench_function(
            BenchmarkId::new("open-after-commit", label(segment_size)),
            |b| {
                b.iter_batched(
                    || {
                        // The previous hook: open, commit, close.
                        let store = Store::open(&path).unwrap();
                        let mut tx = store.transaction();
                        tx.set("kv/counter", &store.generation()).unwrap();
                        tx.commit().unwrap();
                    },
                    |()| black_box(Store::open(&path).unwrap()),
                    BatchSize::PerIteration,
                )
            },
        );
    }
    group.finish();
}

fn commit(c: &mut Criterion) {
    let mut group = c.benchmark_group("store/commit");
    for segment_size in SEGMENT_SIZES {
        for n in [1, 10, 100, 1000] {
            let id = BenchmarkId::new(format!("flags+values/{}", label(segment_size)), n);
            group.bench_function(id, |b| {
                b.iter_batched(
                    || {
                        let (dir, path) = committed_store(segment_size);
                        let store = Store::open(path).unwrap();
                        (dir, store)
                    },
                    |(_dir, store)| {
                        let mut tx = store.transaction();
                        for i in 0..n {
                            tx.put_raw(&format!("flag/f{i}"), Vec::new()).unwrap();
                            tx.set(&format!("kv/k{i}"), &(i as u64, "value")).unwrap();
                        }
                        black_box(tx.commit().unwrap())
                    },
                    BatchSize::PerIteration,
                )
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = open, commit
}
criterion_main!(benches);
