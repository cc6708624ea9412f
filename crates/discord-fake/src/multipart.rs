//! A small reader for the `multipart/form-data` bodies twilight sends (`payload_json` plus
//! `files[n]`), shared by the wiremock helpers and by stateful emulators such as the sandbox.
//! It is lenient by design: a malformed part is skipped, never a panic.

use serde_json::Value;

/// A file uploaded in a multipart request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    /// The form field name (`files[0]`, ...).
    pub field: String,
    /// The file name.
    pub filename: String,
    /// The bytes.
    pub data: Vec<u8>,
}

/// The boundary of a `multipart/form-data` content type, or `None` for any other type.
#[must_use]
pub fn boundary(content_type: &str) -> Option<String> {
    if !content_type.starts_with("multipart/form-data") {
        return None;
    }
    content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_owned())
        .filter(|b| !b.is_empty())
}

/// The parsed `payload_json` part, if present and valid JSON.
#[must_use]
pub fn payload_json(body: &[u8], boundary: &str) -> Option<Value> {
    parts(body, boundary)
        .into_iter()
        .find(|p| p.name == "payload_json")
        .and_then(|p| serde_json::from_slice(&p.data).ok())
}

/// Every part that carries a file name, in order.
#[must_use]
pub fn uploaded_files(body: &[u8], boundary: &str) -> Vec<UploadedFile> {
    parts(body, boundary)
        .into_iter()
        .filter_map(|p| {
            p.filename.map(|filename| UploadedFile {
                field: p.name,
                filename,
                data: p.data,
            })
        })
        .collect()
}

#[derive(Debug)]
struct Part {
    name: String,
    filename: Option<String>,
    data: Vec<u8>,
}

fn parts(body: &[u8], boundary: &str) -> Vec<Part> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    for chunk in split_bytes(body, delimiter.as_bytes()).into_iter().skip(1) {
        let Some(header_end) = find(chunk, b"\r\n\r\n") else {
            continue;
        };
        let headers = String::from_utf8_lossy(&chunk[..header_end]);
        let mut data = &chunk[header_end + 4..];
        if let Some(stripped) = data.strip_suffix(b"\r\n") {
            data = stripped;
        }
        let attr = |key: &str| {
            let needle = format!("{key}=\"");
            let start = headers.find(&needle)? + needle.len();
            let len = headers[start..].find('"')?;
            Some(headers[start..start + len].to_owned())
        };
        let Some(name) = attr("name") else { continue };
        parts.push(Part {
            name,
            filename: attr("filename"),
            data: data.to_vec(),
        });
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split_bytes<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(i) = find(body, delimiter) {
        out.push(&body[..i]);
        body = &body[i + delimiter.len()..];
    }
    out.push(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_payload_json_and_files() {
        let body = b"--XYZ\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\r\n{\"content\":\"hi\"}\r\n--XYZ\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XYZ--\r\n";
        let b = boundary("multipart/form-data; boundary=XYZ");
        assert_eq!(b.as_deref(), Some("XYZ"));
        let b = b.unwrap_or_default();
        assert_eq!(
            payload_json(body, &b),
            Some(serde_json::json!({"content": "hi"}))
        );
        let files = uploaded_files(body, &b);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].filename, "a.txt");
        assert_eq!(files[0].data, b"hello");
    }

    #[test]
    fn garbage_is_empty_not_a_panic() {
        assert_eq!(boundary("application/json"), None);
        assert_eq!(boundary("multipart/form-data; boundary="), None);
        assert!(uploaded_files(b"--X\r\nnonsense", "X").is_empty());
        assert_eq!(payload_json(b"", "X"), None);
    }
}
