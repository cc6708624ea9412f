//! Media Content Service (MCS): upload raw bytes to get an `ME…` sid for a message, and look a
//! media item up for its short-lived download URL. Twilio's helper libraries do not wrap this
//! API; the shapes here follow Twilio's Conversations media docs.

use crate::sid::MediaSid;
use bytes::Bytes;
use serde::Deserialize;

use crate::client::{Client, Service, segment, with_query};
use crate::error::Error;

/// Links of a media resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct MediaLinks {
    /// Authenticated content URL.
    #[serde(default)]
    pub content: Option<String>,
    /// Short-lived URL that needs no credentials.
    #[serde(default)]
    pub content_direct_temporary: Option<String>,
}

/// A media resource.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Media {
    /// `ME…`
    pub sid: MediaSid,
    /// `IS…`
    #[serde(default)]
    pub service_sid: Option<String>,
    /// MIME type.
    #[serde(default)]
    pub content_type: Option<String>,
    /// File name.
    #[serde(default)]
    pub filename: Option<String>,
    /// Bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// Where to get the bytes.
    #[serde(default)]
    pub links: MediaLinks,
}

impl Client {
    /// `POST /v1/Services/{ChatServiceSid}/Media` with the raw bytes and their MIME type, and
    /// the file's name as the `Filename` query parameter (what Twilio's own Conversations SDK
    /// sends; it becomes the media's `filename`, which Flex shows on the attachment). Not
    /// retried on 5xx/timeouts (it would store a second copy).
    ///
    /// # Errors
    ///
    /// Any [`Error`] (Twilio refuses media over its size limit).
    pub async fn upload_media(
        &self,
        chat_service_sid: &str,
        content_type: &str,
        filename: Option<&str>,
        bytes: Bytes,
    ) -> Result<Media, Error> {
        let path = format!("/v1/Services/{}/Media", segment(chat_service_sid));
        let path = match filename.filter(|f| !f.trim().is_empty()) {
            Some(name) => with_query(&path, &[("Filename", name.to_owned())]),
            None => path,
        };
        self.json(self.post(Service::Media, &path).raw(bytes, content_type))
            .await
    }

    /// `GET /v1/Services/{ChatServiceSid}/Media/{MediaSid}`.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn fetch_media(
        &self,
        chat_service_sid: &str,
        media: &MediaSid,
    ) -> Result<Media, Error> {
        let path = format!(
            "/v1/Services/{}/Media/{}",
            segment(chat_service_sid),
            media.as_str()
        );
        self.json(self.get(Service::Media, &path)).await
    }
}
