//! Dispatch benchmarks: chain, wide, random and trigger-cascade programs, each a
//! whole hook (`run_hook`: load, dispatch, commit) on a real sled store.
//!
//! `cargo bench -p charm-reactive --bench dispatch`. Each program's predicate
//! evaluations per dispatch are printed once, before timing: they show that the
//! cost follows flag changes, not iterations x handlers.

use std::hint::black_box;
use std::sync::Arc;

use charm_reactive::backend::{MemoryBackend, Model};
use charm_reactive::replay::Program;
use charm_reactive::store::Store;
use charm_reactive::{run_hook, HookInfo, Registry};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};

fn chain(n: usize) -> String {
    let handlers: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id":"h{i}","when_all":["f{i}"],"actions":[{{"set":"f{}"}}]}}"#,
                i + 1
            )
        })
        .collect();
    format!(
        r#"{{"hook":"update-status","initial_flags":["f0"],"handlers":[{}]}}"#,
        handlers.join(",")
    )
}

fn wide(n: usize) -> String {
    let handlers: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"id":"h{i}","when_all":["go"],"actions":[{{"set":"done"}}]}}"#))
        .collect();
    format!(
        r#"{{"hook":"update-status","initial_flags":["go"],"handlers":[{}]}}"#,
        handlers.join(",")
    )
}

/// A cascade of `n` triggers: setting t0 sets t1, ... tn, in one handler's call.
fn cascade(n: usize) -> String {
    let triggers: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"when":"t{i}","set":"t{}"}}"#, i + 1))
        .collect();
    format!(
        r#"{{"hook":"start","handlers":[{{"id":"h","when_none":["t0"],"actions":[{{"set":"t0"}}]}}],"triggers":[{}]}}"#,
        triggers.join(",")
    )
}

fn random_corpus() -> Vec<Program> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/random");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.retain(|p| p.to_string_lossy().ends_with(".program.json"));
    files.sort();
    files
        .iter()
        .take(50)
        .map(|p| Program::from_json(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

/// A store seeded with the program's initial flags, in a fresh directory.
fn seeded(program: &Program) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s")).unwrap();
    charm_reactive::inspect::write_flags(
        &store,
        program.initial_flags.iter().map(|f| (f.as_str(), None)),
    )
    .unwrap();
    (dir, store)
}

fn hook(registry: &Arc<Registry>, store: &Store, name: &str) -> charm_reactive::HookOutcome {
    let mut juju = MemoryBackend::new(Model::new("app/0"));
    run_hook(
        Arc::clone(registry),
        store,
        HookInfo::new(name, "app/0"),
        &mut juju,
    )
}

fn bench_program(c: &mut Criterion, group: &str, label: usize, json: &str) {
    let program = Program::from_json(json).unwrap();
    let registry = Arc::new(program.registry().unwrap());
    let (_dir, store) = seeded(&program);
    let stats = hook(&registry, &store, &program.hook).stats;
    eprintln!("{group}/{label}: {stats:?}");
    c.benchmark_group(group)
        .bench_function(BenchmarkId::from_parameter(label), |b| {
            b.iter_batched(
                || seeded(&program),
                |(_dir, store)| black_box(hook(&registry, &store, &program.hook).invoked.len()),
                BatchSize::PerIteration,
            )
        });
}

fn dispatch(c: &mut Criterion) {
    for n in [10, 100, 1000, 5000] {
        bench_program(c, "chain", n, &chain(n));
        bench_program(c, "wide", n, &wide(n));
    }
    for n in [10, 100, 200] {
        bench_program(c, "trigger-cascade", n, &cascade(n));
    }
    let corpus = random_corpus();
    let registries: Vec<_> = corpus
        .iter()
        .map(|p| Arc::new(p.registry().unwrap()))
        .collect();
    c.bench_function("random-50-programs", |b| {
        b.iter_batched(
            || corpus.iter().map(seeded).collect::<Vec<_>>(),
            |stores| {
                for ((program, registry), (_dir, store)) in
                    corpus.iter().zip(&registries).zip(&stores)
                {
                    black_box(hook(registry, store, &program.hook).committed);
                }
            },
            BatchSize::PerIteration,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = dispatch
}
criterion_main!(benches);
