"""Drives a Pebble server through ops' own client (ops.pebble.Client from
PyPI's ops) and prints one JSON line per call: {"call", "result"} or
{"call", "error"}, results reduced to what does not vary between runs (no
ids, no timestamps). sim/tests/pebble_ops.rs runs the same sequence with the
Rust client (charm-reactive-pebble) and compares the two, line by line.

Usage: python3 drive.py SOCKET
"""

import json
import sys

import ops.pebble as pebble

LAYER = {
    'summary': 'base',
    'services': {
        'web': {
            'override': 'replace',
            'command': 'sleep 1000',
            'startup': 'enabled',
            'environment': {'URL': 'http://a'},
        },
        'worker': {'override': 'replace', 'command': 'sleep 1000'},
    },
    'checks': {
        'up': {'override': 'replace', 'level': 'alive', 'threshold': 3, 'exec': {'command': 'echo ok'}},
    },
}
MERGE = 'services:\n  web:\n    override: merge\n    environment:\n      URL: http://b\n'
BAD = 'services:\n  web:\n    command: x\n'


def out(call, **kw):
    print(json.dumps({'call': call, **kw}, sort_keys=True), flush=True)


def error(e):
    if isinstance(e, pebble.PathError):
        return {'type': 'path', 'kind': e.kind, 'message': e.message}
    if isinstance(e, pebble.APIError):
        return {'type': 'api', 'code': e.code, 'kind': e.body.get('result', {}).get('kind', ''),
                'message': e.message}
    if isinstance(e, pebble.ChangeError):
        return {'type': 'change', 'timed_out': 'timed out' in e.err}
    return {'type': type(e).__name__, 'message': str(e)}


def run(call, f):
    try:
        out(call, result=f())
    except pebble.ExecError as e:
        out(call, result={'exit': e.exit_code, 'stdout': e.stdout, 'stderr': e.stderr})
    except (pebble.Error, ValueError) as e:
        out(call, error=error(e))


def services(c):
    return [[s.name, str(s.startup.value), str(s.current.value)] for s in c.get_services()]


def change(c, cid):
    ch = c.get_change(cid)
    return {'kind': ch.kind, 'status': ch.status, 'ready': ch.ready, 'err': ch.err,
            'tasks': sorted(t.summary for t in ch.tasks)}


def files(c, path, **kw):
    return [{'path': f.path, 'name': f.name, 'type': str(getattr(f.type, 'value', f.type)),
             'size': f.size, 'permissions': f.permissions, 'user_id': f.user_id,
             'group_id': f.group_id} for f in c.list_files(path, **kw)]


def exec_out(c, cmd, **kw):
    p = c.exec(cmd, **kw)
    stdout, stderr = p.wait_output()
    return {'exit': 0, 'stdout': stdout, 'stderr': stderr or ''}


def checks(c, **kw):
    return [{'name': k.name, 'level': str(getattr(k.level, 'value', k.level)),
             'status': str(getattr(k.status, 'value', k.status)), 'failures': k.failures,
             'threshold': k.threshold} for k in c.get_checks(**kw)]


def notice(n):
    return {'type': str(getattr(n.type, 'value', n.type)), 'key': n.key,
            'occurrences': n.occurrences, 'last_data': n.last_data}


def main():
    c = pebble.Client(socket_path=sys.argv[1])
    run('system-info', lambda: bool(c.get_system_info().version))
    run('add-layer', lambda: c.add_layer('base', LAYER, combine=True))
    run('plan', lambda: c.get_plan().to_dict())
    run('services', lambda: services(c))
    run('replan', lambda: change(c, c.replan_services()))
    run('services-after-replan', lambda: services(c))
    run('replan-unchanged', lambda: change(c, c.replan_services()))
    run('merge-layer', lambda: c.add_layer('base', MERGE, combine=True))
    run('plan-merged', lambda: c.get_plan().to_dict())
    run('replan-changed', lambda: change(c, c.replan_services()))
    run('stop', lambda: change(c, c.stop_services(['web'])))
    run('services-stopped', lambda: services(c))
    run('start', lambda: change(c, c.start_services(['web', 'worker'])))
    run('restart', lambda: change(c, c.restart_services(['worker'])))
    run('services-named', lambda: [s.name for s in c.get_services(['worker'])])
    run('start-unknown', lambda: c.start_services(['nope']))
    run('add-existing', lambda: c.add_layer('base', LAYER))
    run('add-bad', lambda: c.add_layer('bad', BAD))
    run('changes-all', lambda: len(c.get_changes(select=pebble.ChangeState.ALL)) > 0)
    run('push', lambda: c.push('/etc/app/config.txt', 'hello\n', make_dirs=True,
                               permissions=0o600, user_id=0, group_id=0))
    run('pull', lambda: c.pull('/etc/app/config.txt').read())
    run('push-bytes', lambda: c.push('/etc/app/blob.bin', bytes(range(256)) * 4, encoding=None))
    run('pull-bytes', lambda: list(c.pull('/etc/app/blob.bin', encoding=None).read()[:8]))
    run('list', lambda: files(c, '/etc/app'))
    run('list-pattern', lambda: files(c, '/etc/app', pattern='*.txt'))
    run('list-itself', lambda: files(c, '/etc/app', itself=True))
    run('make-dir', lambda: c.make_dir('/var/lib/app/data', make_parents=True, permissions=0o700))
    run('list-dir', lambda: files(c, '/var/lib/app'))
    run('make-dir-exists', lambda: c.make_dir('/var/lib/app/data'))
    run('pull-missing', lambda: c.pull('/missing.txt').read())
    run('pull-dir', lambda: c.pull('/etc/app').read())
    run('push-relative', lambda: c.push('relative.txt', 'x'))
    run('push-no-parent', lambda: c.push('/nowhere/x.txt', 'x'))
    run('remove', lambda: c.remove_path('/etc/app/config.txt'))
    run('remove-missing', lambda: c.remove_path('/etc/app/config.txt'))
    run('remove-nonempty', lambda: c.remove_path('/var/lib/app'))
    run('remove-recursive', lambda: c.remove_path('/var/lib/app', recursive=True))
    run('list-missing', lambda: files(c, '/var/lib/app'))
    run('exec', lambda: exec_out(
        c, ['sh', '-c', 'echo out; echo err >&2; cat; echo "$GREETING"; exit 0'],
        environment={'GREETING': 'hi'}, stdin='input\n'))
    run('exec-workdir', lambda: exec_out(c, ['sh', '-c', 'basename "$(pwd)"'], working_dir='/etc/app'))
    run('exec-exit', lambda: exec_out(c, ['sh', '-c', 'echo partial; exit 3']))
    run('exec-combined', lambda: exec_out(c, ['sh', '-c', 'echo a; echo b >&2'], combine_stderr=True))
    run('exec-context', lambda: exec_out(c, ['sh', '-c', 'echo "$URL"'], service_context='web'))
    run('exec-timeout', lambda: exec_out(c, ['sleep', '10'], timeout=0.5))
    run('exec-missing', lambda: exec_out(c, ['no-such-command-here']))
    run('checks', lambda: checks(c))
    run('checks-level', lambda: checks(c, level=pebble.CheckLevel.READY))
    run('stop-checks', lambda: c.stop_checks(['up']))
    run('checks-stopped', lambda: checks(c))
    run('start-checks', lambda: c.start_checks(['up']))
    run('start-checks-again', lambda: c.start_checks(['up']))
    run('notify', lambda: bool(c.notify(pebble.NoticeType.CUSTOM, 'example.com/a', data={'k': 'v'})))
    run('notify-again', lambda: bool(c.notify(pebble.NoticeType.CUSTOM, 'example.com/a', data={'k': 'w'})))
    run('notify-other', lambda: bool(c.notify(pebble.NoticeType.CUSTOM, 'example.com/b')))
    run('notices', lambda: sorted((notice(n) for n in c.get_notices()), key=lambda n: n['key']))
    run('notices-key', lambda: [notice(n) for n in c.get_notices(keys=['example.com/a'])])
    run('notice-by-id', lambda: notice(c.get_notice(
        c.get_notices(types=[pebble.NoticeType.CUSTOM], keys=['example.com/b'])[0].id)))
    run('notice-missing', lambda: c.get_notice('999999'))
    run('notify-bad-key', lambda: c.notify(pebble.NoticeType.CUSTOM, 'no-domain'))


main()
