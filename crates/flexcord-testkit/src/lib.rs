//! In-memory fakes of every `flexcord-core` port (dev-dependency only).
