//! One page of a Twilio list response. Twilio wraps items under a resource-specific key
//! (`conversations`, `messages`, …) next to a `meta` object whose `next_page_url` leads on.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::client::Service;
use crate::error::{Error, ErrorKind};

/// A page of `T`, plus where the next one is.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Twilio's link to the next page (absolute), `None` on the last page.
    pub next_page_url: Option<String>,
    /// 0-based page number.
    pub page: u32,
    /// Page size Twilio applied.
    pub page_size: u32,
    pub(crate) service: Service,
}

#[derive(Debug, Deserialize)]
struct Meta {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    next_page_url: Option<String>,
    #[serde(default)]
    page: u32,
    #[serde(default)]
    page_size: u32,
}

impl<T: DeserializeOwned> Page<T> {
    /// Decodes a list response; items are found under `meta.key` (or the only array present).
    pub(crate) fn decode(body: &[u8], service: Service) -> Result<Self, Error> {
        let decode_err = |source| -> Error {
            ErrorKind::Decode {
                body: crate::client::bounded_text(body),
                source,
            }
            .into()
        };
        let mut object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(body).map_err(decode_err)?;
        let meta: Meta = object
            .remove("meta")
            .map(serde_json::from_value)
            .transpose()
            .map_err(decode_err)?
            .unwrap_or(Meta {
                key: None,
                next_page_url: None,
                page: 0,
                page_size: 0,
            });
        let key = meta
            .key
            .clone()
            .filter(|k| object.contains_key(k))
            .or_else(|| {
                object
                    .iter()
                    .find(|(_, v)| v.is_array())
                    .map(|(k, _)| k.clone())
            });
        let items = match key.and_then(|k| object.remove(&k)) {
            Some(value) => serde_json::from_value(value).map_err(decode_err)?,
            None => Vec::new(),
        };
        Ok(Self {
            items,
            next_page_url: meta.next_page_url.filter(|u| !u.is_empty()),
            page: meta.page,
            page_size: meta.page_size,
            service,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_items_under_meta_key() {
        let body = br#"{"messages":[1,2],"meta":{"key":"messages","next_page_url":null,"page":0,"page_size":50}}"#;
        let page: Page<u32> = Page::decode(body, Service::Conversations)
            .map_err(|e| e.to_string())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_page_url, None);
    }

    #[test]
    fn garbage_is_a_decode_error() {
        assert!(Page::<u32>::decode(b"<html>", Service::Conversations).is_err());
    }
}
