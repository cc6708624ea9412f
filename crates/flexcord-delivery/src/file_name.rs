//! A name for a file an agent sent without one: Discord previews a file by its extension, so
//! `ME…` alone would show as an opaque download.

use flexcord_core::content::AgentMedia;

/// The agent's file name, or the media SID with the extension of its content type
/// (`ME1a2b.png`); `.bin` when the type is unknown or missing.
#[must_use]
pub fn agent_file_name(media: &AgentMedia) -> String {
    if let Some(name) = media
        .filename
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        return name.to_owned();
    }
    let essence = media
        .content_type
        .as_deref()
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    format!("{}.{}", media.sid, extension(&essence))
}

fn extension(content_type: &str) -> &'static str {
    match content_type {
        "image/png" => "png",
        "image/jpeg" | "image/jpg" | "image/pjpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/bmp" => "bmp",
        "image/svg+xml" => "svg",
        "image/heic" => "heic",
        "video/mp4" => "mp4",
        "video/quicktime" => "mov",
        "video/webm" => "webm",
        "audio/mpeg" => "mp3",
        "audio/ogg" => "ogg",
        "audio/wav" | "audio/x-wav" => "wav",
        "audio/mp4" | "audio/aac" => "m4a",
        "application/pdf" => "pdf",
        "application/zip" => "zip",
        "application/json" => "json",
        "text/plain" => "txt",
        "text/csv" => "csv",
        "text/html" => "html",
        _ => "bin",
    }
}

#[cfg(test)]
mod tests {
    use flexcord_core::ids::MediaSid;

    use super::*;

    fn media(filename: Option<&str>, content_type: Option<&str>) -> AgentMedia {
        AgentMedia {
            sid: MediaSid::parse("ME0123456789abcdef").expect("a media sid"),
            filename: filename.map(str::to_owned),
            content_type: content_type.map(str::to_owned),
            size: None,
        }
    }

    #[test]
    fn a_named_file_keeps_its_name_and_a_nameless_one_gets_its_types_extension() {
        assert_eq!(agent_file_name(&media(Some("fix.png"), None)), "fix.png");
        assert_eq!(
            agent_file_name(&media(None, Some("image/png"))),
            "ME0123456789abcdef.png"
        );
        assert_eq!(
            agent_file_name(&media(Some("  "), Some("image/JPEG; q=1"))),
            "ME0123456789abcdef.jpg"
        );
        assert_eq!(
            agent_file_name(&media(None, Some("application/x-unknown"))),
            "ME0123456789abcdef.bin"
        );
        assert_eq!(
            agent_file_name(&media(None, None)),
            "ME0123456789abcdef.bin"
        );
    }
}
