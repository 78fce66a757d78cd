//! Model files: safetensors with embedml metadata, written atomically.
//!
//! A model file is a safetensors file whose `__metadata__` holds `format = "embedml"`,
//! `format_version = "1"`, `kind` (e.g. `"mlp"`) and the model's own keys (JSON-encoded values
//! where a value is not a plain string). Tensors are F32, little-endian, in the model's
//! documented parameter order; statistics that need more precision (naive Bayes' Gaussian
//! means) may be F64 ([`ModelFile::push_f64`], [`ModelFile::tensor_f64`]). [`ModelFile::load`] checks the container, the format, the dtype
//! and that every value is finite; each model kind then checks its own tensors and shapes with
//! [`ModelFile::tensor`].

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{HostError, Result};
use crate::model_err;

/// The value of the `format` metadata key.
pub const FORMAT: &str = "embedml";
/// The value of the `format_version` metadata key this build reads and writes.
pub const FORMAT_VERSION: &str = "1";

/// One named F32 tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Name, e.g. `layers.0.weight`.
    pub name: String,
    /// Shape (row-major).
    pub shape: Vec<usize>,
    /// Values, `shape.iter().product()` of them.
    pub data: Vec<f32>,
}

/// A model file in memory: metadata and tensors (insertion order when built; the
/// container's order, by dtype then name, when loaded — look tensors up by name).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFile {
    /// Where it was loaded from (for messages); empty for a new file.
    pub origin: String,
    /// Metadata, including `format`, `format_version` and `kind`.
    pub metadata: BTreeMap<String, String>,
    /// Tensors.
    pub tensors: Vec<Tensor>,
    /// F64 tensors (empty for most kinds).
    pub tensors_f64: Vec<Tensor64>,
}

/// One named F64 tensor (statistics kept in double precision).
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor64 {
    /// Name.
    pub name: String,
    /// Shape (row-major).
    pub shape: Vec<usize>,
    /// Values, `shape.iter().product()` of them.
    pub data: Vec<f64>,
}

impl ModelFile {
    /// An empty model file of the given kind (format keys set).
    pub fn new(kind: &str) -> Self {
        let mut metadata = BTreeMap::new();
        metadata.insert("format".to_owned(), FORMAT.to_owned());
        metadata.insert("format_version".to_owned(), FORMAT_VERSION.to_owned());
        metadata.insert("kind".to_owned(), kind.to_owned());
        ModelFile {
            origin: String::new(),
            metadata,
            tensors: Vec::new(),
            tensors_f64: Vec::new(),
        }
    }

    /// The model kind (`kind` metadata).
    pub fn kind(&self) -> &str {
        self.metadata.get("kind").map_or("", String::as_str)
    }

    /// Errors with "model is a X, expected Y" unless the kind is `kind`.
    pub fn expect_kind(&self, kind: &str) -> Result<()> {
        if self.kind() == kind {
            Ok(())
        } else {
            Err(model_err!(
                "{}model is a {}, expected {kind}",
                self.prefix(),
                self.kind()
            ))
        }
    }

    fn prefix(&self) -> String {
        if self.origin.is_empty() {
            String::new()
        } else {
            format!("{}: ", self.origin)
        }
    }

    /// Sets a plain string metadata value.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.metadata.insert(key.to_owned(), value.into());
    }

    /// Sets a metadata value to the JSON encoding of `value`.
    pub fn set_json<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<()> {
        let s = serde_json::to_string(value)
            .map_err(|e| model_err!("cannot encode metadata '{key}': {e}"))?;
        self.set(key, s);
        Ok(())
    }

    /// A metadata value; missing is an error.
    pub fn get(&self, key: &str) -> Result<&str> {
        self.metadata
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| model_err!("{}model file has no '{key}' metadata", self.prefix()))
    }

    /// A JSON-encoded metadata value, decoded; missing or malformed is an error.
    pub fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<T> {
        let s = self.get(key)?;
        serde_json::from_str(s)
            .map_err(|e| model_err!("{}metadata '{key}' is malformed: {e}", self.prefix()))
    }

    /// Appends a tensor; `data` must have `shape`'s element count.
    pub fn push(&mut self, name: &str, shape: &[usize], data: &[f32]) -> Result<()> {
        let n: usize = shape.iter().product();
        if n != data.len() {
            return Err(model_err!(
                "tensor '{name}' has {} values for shape {shape:?}",
                data.len()
            ));
        }
        self.tensors.push(Tensor {
            name: name.to_owned(),
            shape: shape.to_vec(),
            data: data.to_vec(),
        });
        Ok(())
    }

    /// The values of tensor `name`, which must have exactly `shape`.
    pub fn tensor(&self, name: &str, shape: &[usize]) -> Result<&[f32]> {
        let t = self
            .tensors
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| model_err!("{}model file has no tensor '{name}'", self.prefix()))?;
        if t.shape != shape {
            return Err(model_err!(
                "{}tensor '{name}' has shape {:?}, expected {shape:?}",
                self.prefix(),
                t.shape
            ));
        }
        Ok(&t.data)
    }

    /// Appends an F64 tensor; `data` must have `shape`'s element count.
    pub fn push_f64(&mut self, name: &str, shape: &[usize], data: &[f64]) -> Result<()> {
        let n: usize = shape.iter().product();
        if n != data.len() {
            return Err(model_err!(
                "tensor '{name}' has {} values for shape {shape:?}",
                data.len()
            ));
        }
        self.tensors_f64.push(Tensor64 {
            name: name.to_owned(),
            shape: shape.to_vec(),
            data: data.to_vec(),
        });
        Ok(())
    }

    /// The values of F64 tensor `name`, which must have exactly `shape`.
    pub fn tensor_f64(&self, name: &str, shape: &[usize]) -> Result<&[f64]> {
        let t = self
            .tensors_f64
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| model_err!("{}model file has no F64 tensor '{name}'", self.prefix()))?;
        if t.shape != shape {
            return Err(model_err!(
                "{}tensor '{name}' has shape {:?}, expected {shape:?}",
                self.prefix(),
                t.shape
            ));
        }
        Ok(&t.data)
    }

    /// Serialises to safetensors bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let bytes: Vec<Vec<u8>> = self
            .tensors
            .iter()
            .map(|t| t.data.iter().flat_map(|v| v.to_le_bytes()).collect())
            .collect();
        let bytes64: Vec<Vec<u8>> = self
            .tensors_f64
            .iter()
            .map(|t| t.data.iter().flat_map(|v| v.to_le_bytes()).collect())
            .collect();
        let mut views = Vec::with_capacity(self.tensors.len() + self.tensors_f64.len());
        for (t, b) in self.tensors.iter().zip(&bytes) {
            let view = TensorView::new(Dtype::F32, t.shape.clone(), b)
                .map_err(|e| model_err!("tensor '{}': {e}", t.name))?;
            views.push((t.name.clone(), view));
        }
        for (t, b) in self.tensors_f64.iter().zip(&bytes64) {
            let view = TensorView::new(Dtype::F64, t.shape.clone(), b)
                .map_err(|e| model_err!("tensor '{}': {e}", t.name))?;
            views.push((t.name.clone(), view));
        }
        let meta: HashMap<String, String> = self.metadata.clone().into_iter().collect();
        safetensors::serialize(views, Some(meta)).map_err(|e| model_err!("safetensors: {e}"))
    }

    /// Parses safetensors bytes; `origin` names the source in error messages. Checks the
    /// container, `format`, `format_version`, that every tensor is F32 (or F64) and every value
    /// finite.
    pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<Self> {
        let st = SafeTensors::deserialize(bytes)
            .map_err(|e| model_err!("{origin}: not a safetensors model file ({e})"))?;
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| model_err!("{origin}: not a safetensors model file ({e})"))?;
        let metadata: BTreeMap<String, String> = header
            .metadata()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        match metadata.get("format").map(String::as_str) {
            Some(FORMAT) => {}
            _ => {
                return Err(model_err!(
                    "{origin}: not an embedml model file (no format = \"embedml\" in the metadata)"
                ))
            }
        }
        match metadata.get("format_version").map(String::as_str) {
            Some(FORMAT_VERSION) => {}
            v => {
                return Err(model_err!(
                    "{origin}: unsupported embedml format version {:?} (this build reads {FORMAT_VERSION})",
                    v.unwrap_or("none")
                ))
            }
        }
        if !metadata.contains_key("kind") {
            return Err(model_err!("{origin}: model file has no 'kind' metadata"));
        }
        // Tensors in file (offset) order.
        let mut tensors = Vec::new();
        let mut tensors_f64 = Vec::new();
        for name in header.offset_keys() {
            let view = st
                .tensor(&name)
                .map_err(|e| model_err!("{origin}: tensor '{name}': {e}"))?;
            if view.dtype() == Dtype::F64 {
                let data: Vec<f64> = view
                    .data()
                    .chunks_exact(8)
                    .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                    .collect();
                if data.iter().any(|v| !v.is_finite()) {
                    return Err(model_err!(
                        "{origin}: tensor '{name}' has non-finite values"
                    ));
                }
                tensors_f64.push(Tensor64 {
                    name,
                    shape: view.shape().to_vec(),
                    data,
                });
                continue;
            }
            if view.dtype() != Dtype::F32 {
                return Err(model_err!(
                    "{origin}: tensor '{name}' is {:?}, expected F32",
                    view.dtype()
                ));
            }
            let data: Vec<f32> = view
                .data()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            if data.iter().any(|v| !v.is_finite()) {
                return Err(model_err!(
                    "{origin}: tensor '{name}' has non-finite values"
                ));
            }
            tensors.push(Tensor {
                name,
                shape: view.shape().to_vec(),
                data,
            });
        }
        Ok(ModelFile {
            origin: origin.to_owned(),
            metadata,
            tensors,
            tensors_f64,
        })
    }

    /// Reads and checks a model file (see [`ModelFile::from_bytes`]).
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = fs::read(path).map_err(|e| HostError::io(path, e))?;
        Self::from_bytes(&bytes, &path.display().to_string())
    }

    /// Writes the model atomically (see [`write_atomic`]).
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomic(path, &self.to_bytes()?)
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory is written,
/// flushed to disk (fsync) and renamed over `path`, so readers see the old file or the new one,
/// never a partial one. The temporary file is removed on failure.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| HostError::Usage(format!("{}: not a file path", path.display())))?;
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let tmp = dir.join(format!(
        ".{}.tmp-{}-{}",
        file_name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        // Persist the rename itself (best effort: not every platform can open a directory).
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        HostError::io(path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ModelFile {
        let mut m = ModelFile::new("mlp");
        m.set_json("sizes", &[2usize, 3]).unwrap();
        m.push("layers.0.weight", &[3, 2], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
            .unwrap();
        m.push("layers.0.bias", &[3], &[0.5, -0.5, 0.0]).unwrap();
        m
    }

    #[test]
    fn round_trip_through_bytes() {
        let m = sample();
        let back = ModelFile::from_bytes(&m.to_bytes().unwrap(), "x").unwrap();
        assert_eq!(back.metadata, m.metadata);
        // safetensors orders tensors by dtype then name; compare by name.
        let sorted = |mut v: Vec<Tensor>| {
            v.sort_by(|a, b| a.name.cmp(&b.name));
            v
        };
        assert_eq!(sorted(back.tensors.clone()), sorted(m.tensors.clone()));
        assert_eq!(back.get_json::<Vec<usize>>("sizes").unwrap(), vec![2, 3]);
        let mut w = m.clone();
        w.push_f64("mean", &[2], &[0.1, 1.0 / 3.0]).unwrap();
        let back = ModelFile::from_bytes(&w.to_bytes().unwrap(), "x").unwrap();
        assert_eq!(back.tensor_f64("mean", &[2]).unwrap(), &[0.1, 1.0 / 3.0]);
        assert!(back.tensor_f64("mean", &[3]).is_err());
        assert_eq!(
            back.tensor("layers.0.bias", &[3]).unwrap(),
            &[0.5, -0.5, 0.0]
        );
    }

    #[test]
    fn checks_kind_shape_presence_and_finiteness() {
        let m = ModelFile::from_bytes(&sample().to_bytes().unwrap(), "m.st").unwrap();
        let e = m.expect_kind("mdn").unwrap_err().to_string();
        assert_eq!(e, "m.st: model is a mlp, expected mdn");
        assert!(m
            .tensor("layers.1.bias", &[1])
            .unwrap_err()
            .to_string()
            .contains("no tensor"));
        assert!(m
            .tensor("layers.0.bias", &[4])
            .unwrap_err()
            .to_string()
            .contains("shape [3]"));
        let mut bad = sample();
        bad.tensors[1].data[0] = f32::NAN;
        let e = ModelFile::from_bytes(&bad.to_bytes().unwrap(), "b")
            .unwrap_err()
            .to_string();
        assert!(e.contains("non-finite"), "{e}");
        let e = ModelFile::from_bytes(b"hello, world", "c")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a safetensors"), "{e}");
        let mut foreign = sample();
        foreign.metadata.remove("format");
        let e = ModelFile::from_bytes(&foreign.to_bytes().unwrap(), "d")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an embedml model"), "{e}");
    }

    #[test]
    fn atomic_write_replaces_the_file() {
        let path =
            std::env::temp_dir().join(format!("embedml-io-{}.safetensors", std::process::id()));
        sample().save(&path).unwrap();
        let mut m2 = sample();
        m2.set("note", "second");
        m2.save(&path).unwrap();
        let back = ModelFile::load(&path).unwrap();
        assert_eq!(back.get("note").unwrap(), "second");
        fs::remove_file(&path).unwrap();
    }
}
