//! Unit store benchmarks: open (with its lock), and one hook's commit of N
//! flags and N values (one sled batch and one flush).
//!
//! `cargo bench -p charm-reactive --bench store`.

use std::hint::black_box;

use charm_reactive::store::Store;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};

fn open(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    drop(Store::open(&path).unwrap());
    c.bench_function("store/open-existing", |b| b.iter(|| black_box(Store::open(&path).unwrap())));
}

fn commit(c: &mut Criterion) {
    let mut group = c.benchmark_group("store/commit");
    for n in [1, 10, 100, 1000] {
        group.bench_function(BenchmarkId::new("flags+values", n), |b| {
            b.iter_batched(
                || {
                    let dir = tempfile::tempdir().unwrap();
                    let store = Store::open(dir.path().join("s")).unwrap();
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
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = open, commit
}
criterion_main!(benches);
