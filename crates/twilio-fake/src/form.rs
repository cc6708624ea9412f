//! Form-encoded request parameters with repeated keys kept, as Twilio's REST APIs accept them.

use crate::error::ApiError;

/// Parameters of one `application/x-www-form-urlencoded` body or query string, in wire order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FormParams(pub(crate) Vec<(String, String)>);

impl FormParams {
    /// Parses a form body; malformed encodings become a Twilio-style 400.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, ApiError> {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
            .map(Self)
            .map_err(|e| ApiError::bad_request(format!("Malformed form body: {e}")))
    }

    /// The first value of `key`, if present.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated `key`, in wire order.
    pub(crate) fn get_all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The value of a required `key`, or Twilio's "missing required parameter" error.
    pub(crate) fn require(&self, key: &str) -> Result<&str, ApiError> {
        self.get(key)
            .ok_or_else(|| ApiError::missing_parameter(key))
    }
}

#[cfg(test)]
mod tests {
    use super::FormParams;

    #[test]
    fn keeps_repeated_keys_in_order() {
        let form = FormParams::parse(
            b"Configuration.Filters=onMessageAdded&Configuration.Filters=onParticipantAdded&A=%2B1",
        )
        .unwrap_or_default();
        assert_eq!(
            form.get_all("Configuration.Filters"),
            ["onMessageAdded", "onParticipantAdded"]
        );
        assert_eq!(form.get("A"), Some("+1"));
        assert!(form.require("B").is_err());
    }
}
