//! Helpers shared by the store's integration tests.
#![allow(dead_code)] // each test file uses a different subset

use std::path::Path;

use charm_reactive_store::{Export, Store};

/// A small seeded xorshift generator: reproducible damage without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = self.next() as u8;
        }
    }
}

/// Copies a store directory (files and one level of subdirectories, as sled lays them out).
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// Fills a new store at `path` with `commits` hook-like commits (a counter, one
/// key per commit, flags set and cleared, a valued flag) and returns its export.
pub fn build_store(path: &Path, commits: u32) -> Export {
    let store = Store::open(path).unwrap();
    for i in 0..commits {
        let mut tx = store.transaction();
        tx.set("kv/n", &i).unwrap();
        tx.set(&format!("kv/k{i}"), &format!("value {i}")).unwrap();
        tx.put_raw(&format!("flag/f{}", i % 5), Vec::new()).unwrap();
        tx.unset(&format!("flag/f{}", (i + 2) % 5)).unwrap();
        tx.set("flag/valued", &format!("round {i}")).unwrap();
        tx.set("internal/phase", "other").unwrap();
        tx.commit().unwrap();
    }
    store.export().unwrap()
}
