//! Export, import and verify: a store survives export, JSON and import byte for
//! byte; imports never mix with existing data unless forced; invalid exports
//! change nothing.

mod common;

use charm_reactive_store::export::{ExportValue, Guess, RawEntry};
use charm_reactive_store::{codec, Export, OpenOptions, Store, StoreError};
use common::build_store;

/// Every raw entry of a store, its own records included, sorted.
fn raw(store_path: &std::path::Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let db = raw_sled(store_path).unwrap();
    db.iter()
        .map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
        .collect()
}

/// The entries without the records of the last commit: its generation and
/// its undo record (the values before it, which differ between two stores).
fn without_generation(mut entries: Vec<(Vec<u8>, Vec<u8>)>) -> Vec<(Vec<u8>, Vec<u8>)> {
    entries.retain(|(k, _)| {
        k.as_slice() != b"\0charm-reactive.generation" && k.as_slice() != b"\0charm-reactive.undo"
    });
    entries
}

#[test]
fn export_json_import_restores_every_byte() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    build_store(&a, 12);
    {
        // Keys outside the layout, one not even UTF-8, travel as raw entries.
        let store = Store::open(&a).unwrap();
        let mut tx = store.transaction();
        tx.put_raw("elsewhere/x", vec![1, 2, 3]).unwrap();
        tx.commit().unwrap();
        drop(store);
        let db = raw_sled(&a).unwrap();
        db.insert(b"kv/\xff\xfe", b"\x01\x00").unwrap();
        db.flush().unwrap();
    }
    let store = Store::open(&a).unwrap();
    let export = store.export().unwrap();
    assert!(store
        .verify()
        .unwrap()
        .problems
        .iter()
        .any(|p| p.key == "0x6b762ffffe"));
    drop(store);

    let json = serde_json::to_string_pretty(&export).unwrap();
    let back: Export = serde_json::from_str(&json).unwrap();
    assert_eq!(back, export);
    assert_eq!(
        export
            .flags
            .get("valued")
            .unwrap()
            .as_ref()
            .unwrap()
            .decoded,
        Some(Guess::String("round 11".into()))
    );
    assert_eq!(export.flags.get("f1"), Some(&None));
    assert_eq!(
        export.kv.get("n").unwrap().decoded,
        Some(Guess::Unsigned(11))
    );
    assert_eq!(export.other.len(), 2);

    let b = dir.path().join("b");
    let copy = Store::open(&b).unwrap();
    let stats = copy.import(&back, false).unwrap();
    // Every entry but the format marker, generation and undo record.
    assert_eq!((stats.written, stats.removed), (raw(&a).len() - 3, 0));
    drop(copy);
    assert_eq!(without_generation(raw(&a)), without_generation(raw(&b)));
}

#[test]
fn import_refuses_a_store_with_data_unless_forced_and_then_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let source = build_store(&dir.path().join("a"), 3);
    let b = dir.path().join("b");
    build_store(&b, 8);
    let store = Store::open(&b).unwrap();
    let before = store.export().unwrap();

    let err = store.import(&source, false).unwrap_err();
    assert!(matches!(err, StoreError::NotEmpty { .. }), "{err:?}");
    assert!(
        err.to_string().contains("--force") && err.to_string().contains(&b.display().to_string()),
        "{err}"
    );
    assert_eq!(
        store.export().unwrap(),
        before,
        "a refused import changed the store"
    );

    let generation = store.generation();
    store.import(&source, true).unwrap();
    let after = store.export().unwrap();
    // Exactly the source's entries: keys only the old contents had are gone.
    assert_eq!(
        (&after.flags, &after.kv, &after.internal),
        (&source.flags, &source.kv, &source.internal)
    );
    assert!(!after.kv.contains_key("k7"));
    assert_eq!(
        store.generation(),
        generation + 1,
        "an import is one commit"
    );
    drop(store);
    assert_eq!(Store::open(&b).unwrap().export().unwrap(), after);
}

#[test]
fn invalid_exports_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = build_store(&dir.path().join("a"), 2);
    let store = Store::open(dir.path().join("b")).unwrap();
    let mut cases: Vec<(Export, &str)> = Vec::new();
    let mut e = good.clone();
    e.export_format = 2;
    cases.push((e, "export format 2"));
    let mut e = good.clone();
    e.store_format = charm_reactive_store::FORMAT_VERSION + 1;
    cases.push((e, "upgrade the charm"));
    let mut e = good.clone();
    e.kv.insert(
        "bad".into(),
        ExportValue {
            hex: "0g".into(),
            decoded: None,
        },
    );
    cases.push((e, "is not hex"));
    let mut e = good.clone();
    e.flags.insert(String::new(), None);
    cases.push((e, "empty name"));
    let mut e = good.clone();
    e.other.push(RawEntry {
        key_hex: "00ff".into(),
        value_hex: String::new(),
    });
    cases.push((e, "empty or reserved"));
    for (export, reason) in cases {
        let err = store.import(&export, true).unwrap_err();
        assert!(matches!(err, StoreError::BadExport(_)), "{err:?}");
        assert!(err.to_string().contains(reason), "{reason:?} not in {err}");
    }
    assert_eq!(store.generation(), 0);
    assert!(store.export().unwrap().kv.is_empty());
}

#[test]
fn unknown_fields_in_an_export_are_refused() {
    let export = Export {
        export_format: 1,
        store_format: 1,
        generation: 0,
        flags: Default::default(),
        kv: Default::default(),
        internal: Default::default(),
        other: Vec::new(),
    };
    let mut json: serde_json::Value = serde_json::to_value(&export).unwrap();
    json["flagz"] = serde_json::json!({});
    assert!(serde_json::from_value::<Export>(json).is_err());
}

#[test]
fn open_existing_never_creates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing");
    let err = Store::open_existing(&path, &OpenOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::Missing { .. }), "{err:?}");
    assert!(!path.exists(), "open_existing created {path:?}");
    build_store(&path, 1);
    let store = Store::open_existing(&path, &OpenOptions::default()).unwrap();
    assert_eq!(store.transaction().get::<u32>("kv/n").unwrap(), Some(0));
}

#[test]
fn verify_reports_every_problem_and_passes_a_sound_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    build_store(&path, 5);
    let store = Store::open(&path).unwrap();
    let report = store.verify().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(
        (report.flags, report.kv, report.internal, report.generation),
        (4, 6, 1, 5)
    );
    assert_eq!(
        report.keys,
        4 + 6 + 1 + 3,
        "and format, generation, undo record"
    );

    let mut tx = store.transaction();
    tx.put_raw("flag/", Vec::new()).unwrap();
    tx.put_raw("internal/x", Vec::new()).unwrap();
    tx.put_raw("kv/ok", codec::encode(&1u8).unwrap()).unwrap();
    tx.commit().unwrap();
    drop(store);
    {
        let db = raw_sled(&path).unwrap();
        db.insert(b"\0charm-reactive.future", b"x").unwrap();
        db.flush().unwrap();
    }
    let report = Store::open(&path).unwrap().verify().unwrap();
    let found: Vec<(&str, &str)> = report
        .problems
        .iter()
        .map(|p| (p.key.as_str(), p.problem.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "\\0charm-reactive.future",
                "unknown reserved key (written by a newer charm-reactive?)"
            ),
            ("flag/", "empty flag name"),
            (
                "internal/x",
                "value does not decode: empty value (no format byte)"
            ),
        ]
    );
}

/// The store's sled database opened directly, with the segment size new
/// stores are created with (sled refuses a different one).
fn raw_sled(path: impl AsRef<std::path::Path>) -> sled::Result<sled::Db> {
    sled::Config::new()
        .path(path)
        .segment_size(charm_reactive_store::DEFAULT_SEGMENT_SIZE)
        .open()
}
