//! Conversions between [`Value`] and serde / JSON.

use std::rc::Rc;

use serde::ser::{Error as _, SerializeMap, SerializeSeq};

use super::Seq;
use super::{Dict, Value};

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::None,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Value::Int(i)
                } else if let Some(u) = n.as_u64() {
                    Value::from_bigint(super::BigInt::from_i128(u as i128))
                } else if let Some(f) = n.as_f64() {
                    // u64 beyond i64 lands here; floats too.
                    Value::Float(f)
                } else {
                    Value::None
                }
            }
            serde_json::Value::String(s) => Value::from(s),
            serde_json::Value::Array(items) => {
                Value::List(items.into_iter().map(Value::from).collect::<Rc<Seq>>())
            }
            serde_json::Value::Object(map) => {
                let mut d = Dict::new();
                for (k, v) in map {
                    // String keys are always hashable.
                    let _ = d.insert(Value::from(k), Value::from(v));
                }
                Value::Dict(Rc::new(d))
            }
        }
    }
}

fn key_string(k: &Value) -> Result<String, String> {
    Ok(match k {
        Value::Str(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::BigInt(b) => b.to_string(),
        Value::Bool(true) => "true".into(),
        Value::Bool(false) => "false".into(),
        Value::None => "null".into(),
        Value::Float(f) => {
            let mut s = String::new();
            super::repr::push_float(*f, &mut s);
            match s.as_str() {
                "inf" => "Infinity".into(),
                "-inf" => "-Infinity".into(),
                "nan" => "NaN".into(),
                _ => s,
            }
        }
        other => {
            return Err(format!(
                "keys must be str, int, float, bool or None, not {}",
                other.type_name()
            ));
        }
    })
}

/// Serializes like Python's `json.dumps` would see the object: tuples and
/// ranges are arrays, dict keys are stringified, bytes, functions and host
/// objects are not serializable.
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::None => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::BigInt(b) => match b.to_string().parse::<i128>() {
                Ok(v) => s.serialize_i128(v),
                Err(_) => Err(S::Error::custom("integer too large for JSON encoding")),
            },
            Value::Float(f) => s.serialize_f64(*f),
            Value::Str(v) => s.serialize_str(v),
            Value::List(items) | Value::Tuple(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items.iter() {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Value::Range(r) => {
                let mut seq = s.serialize_seq(Some(r.len()))?;
                for i in 0..r.len() {
                    seq.serialize_element(&r.get(i))?;
                }
                seq.end()
            }
            Value::Dict(d) => {
                let mut map = s.serialize_map(Some(d.len()))?;
                for (k, v) in d.iter() {
                    map.serialize_entry(&key_string(k).map_err(S::Error::custom)?, v)?;
                }
                map.end()
            }
            other => Err(S::Error::custom(format!(
                "Object of type {} is not JSON serializable",
                other.type_name()
            ))),
        }
    }
}
