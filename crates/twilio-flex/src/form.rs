//! Twilio request bodies: `application/x-www-form-urlencoded` with literal dotted keys
//! (`Configuration.Filters`) and repeated keys for arrays, in insertion order.

/// An ordered list of form fields. Keys may repeat (Twilio's array encoding).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form(Vec<(String, String)>);

impl Form {
    /// An empty form.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field.
    pub fn push(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.0.push((key.to_owned(), value.into()));
        self
    }

    /// Adds a field when there is a value.
    pub fn push_opt(&mut self, key: &str, value: Option<impl Into<String>>) -> &mut Self {
        if let Some(value) = value {
            self.push(key, value);
        }
        self
    }

    /// Adds the key once per value (how Twilio encodes arrays).
    pub fn push_each<I, V>(&mut self, key: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = V>,
        V: Into<String>,
    {
        for value in values {
            self.push(key, value);
        }
        self
    }

    /// The fields, in order.
    #[must_use]
    pub fn fields(&self) -> &[(String, String)] {
        &self.0
    }

    /// All values of `key`, in order.
    #[must_use]
    pub fn values(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The encoded body.
    #[must_use]
    pub fn encode(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.0 {
            out.append_pair(k, v);
        }
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_are_kept_in_order_and_dots_stay_literal() {
        let mut f = Form::new();
        f.push("Target", "webhook")
            .push("Configuration.Url", "https://bridge/x?a=1")
            .push_each(
                "Configuration.Filters",
                ["onMessageAdded", "onParticipantAdded"],
            )
            .push_opt("Configuration.FlowSid", None::<String>);
        assert_eq!(
            f.encode(),
            "Target=webhook&Configuration.Url=https%3A%2F%2Fbridge%2Fx%3Fa%3D1\
             &Configuration.Filters=onMessageAdded&Configuration.Filters=onParticipantAdded"
        );
        assert_eq!(f.values("Configuration.Filters").len(), 2);
        assert_eq!(f.get("Target"), Some("webhook"));
    }
}
