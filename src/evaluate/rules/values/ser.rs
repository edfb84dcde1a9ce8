//! Model types straight to shared CEL values, through serde.
//!
//! The values are what `serde_json::to_value` followed by
//! `Shared::value` gives (a test keeps the two in step), without the JSON
//! tree between: that tree, an ordered map per struct, was most of the cost
//! of converting a large model.

use super::Shared;
use cel::objects::Key;
use cel::Value;
use serde::ser::{self, Serialize};
use std::collections::HashMap;

/// A value the conversion cannot make (a map with keys that are not text).
#[derive(Debug)]
pub struct NotCel(String);

impl std::fmt::Display for NotCel {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotCel {}

impl ser::Error for NotCel {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        NotCel(msg.to_string())
    }
}

/// The fields of a struct, unshared (the caller adds to them), with room
/// for `extra` more.
pub(super) fn fields<T: Serialize>(
    item: &T,
    shared: &mut Shared,
    extra: usize,
) -> Result<HashMap<Key, Value>, NotCel> {
    let mut entries = Vec::new();
    item.serialize(ToCel {
        shared,
        top: Some((&mut entries, extra)),
    })?;
    let mut fields = HashMap::with_capacity(entries.len() + extra);
    fields.extend(entries);
    Ok(fields)
}

/// Serializes one value. At the top (`top`), a struct's or map's entries go
/// to the caller instead of into a shared map.
pub(super) struct ToCel<'a> {
    shared: &'a mut Shared,
    top: Option<(&'a mut Vec<(Key, Value)>, usize)>,
}

impl<'a> ToCel<'a> {
    fn nested(shared: &'a mut Shared) -> ToCel<'a> {
        ToCel { shared, top: None }
    }

    fn entries(self, len: Option<usize>) -> Entries<'a> {
        let (out, extra) = match self.top {
            Some((out, extra)) => (Some(out), extra),
            None => (None, 0),
        };
        Entries {
            shared: self.shared,
            entries: Vec::with_capacity(len.unwrap_or(0) + extra),
            out,
            key: None,
            variant: None,
        }
    }

    /// `{variant: value}`, as serde_json writes an enum variant with data.
    fn variant(self, variant: &'static str, value: Value) -> Value {
        let key = Key::String(self.shared.str(variant));
        self.shared.map(vec![(key, value)])
    }
}

impl<'a> ser::Serializer for ToCel<'a> {
    type Ok = Value;
    type Error = NotCel;
    type SerializeSeq = Items<'a>;
    type SerializeTuple = Items<'a>;
    type SerializeTupleStruct = Items<'a>;
    type SerializeTupleVariant = Items<'a>;
    type SerializeMap = Entries<'a>;
    type SerializeStruct = Entries<'a>;
    type SerializeStructVariant = Entries<'a>;

    fn serialize_bool(self, v: bool) -> Result<Value, NotCel> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, NotCel> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, NotCel> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, NotCel> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, NotCel> {
        Ok(Value::Int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Value, NotCel> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, NotCel> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, NotCel> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, NotCel> {
        // Beyond i64, JSON's number becomes a float.
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn serialize_f32(self, v: f32) -> Result<Value, NotCel> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, NotCel> {
        // JSON has no NaN or infinity: serde_json writes null.
        Ok(if v.is_finite() {
            Value::Float(v)
        } else {
            Value::Null
        })
    }
    fn serialize_char(self, v: char) -> Result<Value, NotCel> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<Value, NotCel> {
        Ok(Value::String(self.shared.str(v)))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, NotCel> {
        let items = v.iter().map(|b| Value::Int((*b).into())).collect();
        Ok(self.shared.list(items))
    }
    fn serialize_none(self) -> Result<Value, NotCel> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, NotCel> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, NotCel> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, NotCel> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Value, NotCel> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Value, NotCel> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, NotCel> {
        let inner = value.serialize(ToCel::nested(self.shared))?;
        Ok(self.variant(variant, inner))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Items<'a>, NotCel> {
        Ok(Items {
            shared: self.shared,
            items: Vec::with_capacity(len.unwrap_or(0)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Items<'a>, NotCel> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Items<'a>, NotCel> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Items<'a>, NotCel> {
        let mut items = ToCel::nested(self.shared).serialize_seq(Some(len))?;
        items.variant = Some(variant);
        Ok(items)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Entries<'a>, NotCel> {
        Ok(self.entries(len))
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Entries<'a>, NotCel> {
        Ok(self.entries(Some(len)))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Entries<'a>, NotCel> {
        let mut entries = ToCel::nested(self.shared).entries(Some(len));
        entries.variant = Some(variant);
        Ok(entries)
    }
}

/// A list being serialized.
pub(super) struct Items<'a> {
    shared: &'a mut Shared,
    items: Vec<Value>,
    /// Set for a tuple variant: the list is wrapped as `{variant: [...]}`.
    variant: Option<&'static str>,
}

impl Items<'_> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NotCel> {
        let v = value.serialize(ToCel::nested(self.shared))?;
        self.items.push(v);
        Ok(())
    }

    fn finish(self) -> Result<Value, NotCel> {
        let list = self.shared.list(self.items);
        Ok(match self.variant {
            Some(variant) => ToCel::nested(self.shared).variant(variant, list),
            None => list,
        })
    }
}

/// serde's four list-like serializers differ only in the name of the
/// method that adds an item.
macro_rules! list_serializer {
    ($trait:ident, $add:ident) => {
        impl ser::$trait for Items<'_> {
            type Ok = Value;
            type Error = NotCel;
            fn $add<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NotCel> {
                self.push(value)
            }
            fn end(self) -> Result<Value, NotCel> {
                self.finish()
            }
        }
    };
}

list_serializer!(SerializeSeq, serialize_element);
list_serializer!(SerializeTuple, serialize_element);
list_serializer!(SerializeTupleStruct, serialize_field);
list_serializer!(SerializeTupleVariant, serialize_field);

/// A map or struct being serialized.
pub(super) struct Entries<'a> {
    shared: &'a mut Shared,
    entries: Vec<(Key, Value)>,
    /// At the top: where the entries go instead of a shared map.
    out: Option<&'a mut Vec<(Key, Value)>>,
    /// A map's key, waiting for its value.
    key: Option<Key>,
    /// Set for a struct variant: wrapped as `{variant: {...}}`.
    variant: Option<&'static str>,
}

impl Entries<'_> {
    /// Serializes `value` and sets it under `key`.
    fn entry<T: Serialize + ?Sized>(&mut self, key: Key, value: &T) -> Result<(), NotCel> {
        let v = value.serialize(ToCel::nested(self.shared))?;
        self.insert(key, v);
        Ok(())
    }

    fn insert(&mut self, key: Key, value: Value) {
        // A later equal key replaces an earlier one, as in a JSON object.
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    fn finish(self) -> Result<Value, NotCel> {
        if let Some(out) = self.out {
            *out = self.entries;
            return Ok(Value::Null);
        }
        let map = self.shared.map(self.entries);
        Ok(match self.variant {
            Some(variant) => ToCel::nested(self.shared).variant(variant, map),
            None => map,
        })
    }
}

impl ser::SerializeMap for Entries<'_> {
    type Ok = Value;
    type Error = NotCel;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), NotCel> {
        let text = key.serialize(KeyText)?;
        self.key = Some(Key::String(self.shared.str(&text)));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NotCel> {
        let key = self
            .key
            .take()
            .ok_or_else(|| NotCel("a map value without its key".into()))?;
        self.entry(key, value)
    }
    fn end(self) -> Result<Value, NotCel> {
        self.finish()
    }
}

impl ser::SerializeStruct for Entries<'_> {
    type Ok = Value;
    type Error = NotCel;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), NotCel> {
        let key = Key::String(self.shared.str(name));
        self.entry(key, value)
    }
    fn end(self) -> Result<Value, NotCel> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Entries<'_> {
    type Ok = Value;
    type Error = NotCel;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), NotCel> {
        ser::SerializeStruct::serialize_field(self, name, value)
    }
    fn end(self) -> Result<Value, NotCel> {
        self.finish()
    }
}

/// Key methods that write the value out as text (`1`, `true`).
macro_rules! written_out {
    ($($method:ident: $t:ty),*) => {
        $(fn $method(self, v: $t) -> Result<String, NotCel> {
            Ok(v.to_string())
        })*
    };
}

/// A map key as text, as serde_json accepts keys: text, or a number or
/// boolean written out.
struct KeyText;

impl ser::Serializer for KeyText {
    type Ok = String;
    type Error = NotCel;
    type SerializeSeq = ser::Impossible<String, NotCel>;
    type SerializeTuple = ser::Impossible<String, NotCel>;
    type SerializeTupleStruct = ser::Impossible<String, NotCel>;
    type SerializeTupleVariant = ser::Impossible<String, NotCel>;
    type SerializeMap = ser::Impossible<String, NotCel>;
    type SerializeStruct = ser::Impossible<String, NotCel>;
    type SerializeStructVariant = ser::Impossible<String, NotCel>;

    written_out!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16,
        serialize_i32: i32, serialize_i64: i64, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64);
    fn serialize_f32(self, _: f32) -> Result<String, NotCel> {
        Err(not_a_key())
    }
    fn serialize_f64(self, _: f64) -> Result<String, NotCel> {
        Err(not_a_key())
    }
    fn serialize_char(self, v: char) -> Result<String, NotCel> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, NotCel> {
        Ok(v.to_string())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, NotCel> {
        Err(not_a_key())
    }
    fn serialize_none(self) -> Result<String, NotCel> {
        Err(not_a_key())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, NotCel> {
        Err(not_a_key())
    }
    fn serialize_unit(self) -> Result<String, NotCel> {
        Err(not_a_key())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, NotCel> {
        Err(not_a_key())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, NotCel> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, NotCel> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, NotCel> {
        Err(not_a_key())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotCel> {
        Err(not_a_key())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotCel> {
        Err(not_a_key())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NotCel> {
        Err(not_a_key())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotCel> {
        Err(not_a_key())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NotCel> {
        Err(not_a_key())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, NotCel> {
        Err(not_a_key())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotCel> {
        Err(not_a_key())
    }
}

fn not_a_key() -> NotCel {
    NotCel("a map key must be text".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    /// The same values as `serde_json::to_value` followed by `Shared::value`.
    fn agree<T: Serialize>(item: &T) {
        let mut shared = Shared::default();
        let direct = fields(item, &mut shared, 0).unwrap();
        let via_json = match shared.value(serde_json::to_value(item).unwrap()) {
            Value::Map(m) => (*m.map).clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(direct, via_json);
        assert!(!direct.is_empty());
    }

    #[test]
    fn every_declaration_of_the_example_converts_as_through_json() {
        let tree = crate::load::tree::WorkTree::open(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/acme-shop"
        )))
        .unwrap();
        let ws = crate::load::load(&tree, &Default::default());
        let model: Model = ws.model.unwrap();
        let mut n = 0;
        for d in &model.purposes {
            agree(&d.item);
            n += 1;
        }
        for d in &model.datasets {
            agree(&d.item);
        }
        for d in &model.flows {
            agree(&d.item);
        }
        for d in &model.consents {
            agree(&d.item);
        }
        for d in &model.vendors {
            agree(&d.item);
        }
        for d in &model.assessments {
            agree(&d.item);
        }
        for d in &model.systems {
            agree(&d.item);
        }
        if let Some(r) = &model.rights {
            agree(&r.item);
        }
        if let Some(b) = &model.breach {
            agree(&b.item);
        }
        agree(&model.config.settings);
        assert!(n > 1);
    }

    #[test]
    fn numbers_maps_and_enums_convert_as_through_json() {
        #[derive(serde::Serialize)]
        enum E {
            Unit,
            New(u8),
            Tuple(u8, String),
            Struct { a: bool },
        }
        #[derive(serde::Serialize)]
        struct All {
            big: u64,
            neg: i32,
            half: f64,
            nan: f64,
            c: char,
            map: std::collections::BTreeMap<u32, Vec<Option<String>>>,
            e: Vec<E>,
            t: (u8, &'static str),
        }
        agree(&All {
            big: u64::MAX,
            neg: -3,
            half: 0.5,
            nan: f64::NAN,
            c: 'x',
            map: [(1, vec![None, Some("a".into())])].into_iter().collect(),
            e: vec![
                E::Unit,
                E::New(1),
                E::Tuple(2, "b".into()),
                E::Struct { a: true },
            ],
            t: (7, "seven"),
        });
    }
}
