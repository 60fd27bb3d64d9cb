//! Python's truthiness and `==` over JSON values: layer-basic decides
//! `config.set.<opt>` with `bool(value)` and `config.default.<opt>` and
//! `config.changed.<opt>` with `==`, and a port must agree on the corner cases
//! (`0` is "not set", `1 == 1.0`, `True == 1`).

use serde_json::{Number, Value};

/// Python's `bool(value)`: `None`, `False`, `0`, `0.0`, `""`, `[]` and `{}` are
/// false, everything else true.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Python's `a == b` for values decoded from JSON: numbers compare by value
/// across int and float, booleans equal the integers 0 and 1, containers
/// compare element by element.
pub fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => match (numeric(a), numeric(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

/// A number or a boolean as Python compares it.
#[derive(Debug, Clone, Copy)]
enum Numeric {
    Int(i128),
    Float(f64),
}

fn numeric(v: &Value) -> Option<Numeric> {
    match v {
        Value::Bool(b) => Some(Numeric::Int(i128::from(*b))),
        Value::Number(n) => Some(of_number(n)),
        _ => None,
    }
}

fn of_number(n: &Number) -> Numeric {
    if let Some(i) = n.as_i64() {
        Numeric::Int(i128::from(i))
    } else if let Some(u) = n.as_u64() {
        Numeric::Int(i128::from(u))
    } else {
        Numeric::Float(n.as_f64().unwrap_or(f64::NAN))
    }
}

impl PartialEq for Numeric {
    fn eq(&self, other: &Self) -> bool {
        match (*self, *other) {
            (Numeric::Int(x), Numeric::Int(y)) => x == y,
            (Numeric::Float(x), Numeric::Float(y)) => x == y,
            // Python compares an int and a float exactly: the float must be
            // integral and convert back to the same integer.
            (Numeric::Int(i), Numeric::Float(f)) | (Numeric::Float(f), Numeric::Int(i)) => {
                f.fract() == 0.0 && (f as i128) == i && f == i as f64
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn truthiness_follows_python() {
        for falsy in [
            json!(null),
            json!(false),
            json!(0),
            json!(0.0),
            json!(""),
            json!([]),
            json!({}),
        ] {
            assert!(!truthy(&falsy), "{falsy}");
        }
        for true_ in [
            json!(true),
            json!(1),
            json!(-0.5),
            json!("x"),
            json!([0]),
            json!({"a": null}),
        ] {
            assert!(truthy(&true_), "{true_}");
        }
    }

    #[test]
    fn equality_follows_python() {
        assert!(py_eq(&json!(1), &json!(1.0)));
        assert!(py_eq(&json!(true), &json!(1)));
        assert!(py_eq(&json!(false), &json!(0.0)));
        assert!(py_eq(&json!(null), &json!(null)));
        assert!(py_eq(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
        assert!(!py_eq(&json!(1), &json!("1")));
        assert!(!py_eq(&json!(null), &json!("")));
        assert!(!py_eq(&json!(0.5), &json!(0)));
        assert!(!py_eq(&json!(u64::MAX), &json!(i64::MAX)));
        assert!(!py_eq(&json!([1]), &json!([1, 2])));
    }
}
