//! flexcord's embedded FAQ bot, the default virtual agent: a folder of Markdown articles indexed
//! into SQLite FTS5 and answered by bm25 ranking.
//!
//! [`FaqBot::open`] creates the index (in memory, or in a SQLite file of its own — the KB always
//! uses SQLite, whatever store the rest of flexcord uses), [`FaqBot::index_dir`] syncs it with the
//! folder by content hash and returns an [`IndexReport`], and [`FaqBot`] implements
//! [`flexcord_core::ports::VirtualAgent`]: a question gets a hand-off when it asks for a person,
//! a greeting or thanks is marked as small talk for the router to answer in kind, otherwise up to
//! [`KbConfig::max_results`] articles (title, link, excerpt) — only those scoring close to the
//! best match, in the asker's language when the knowledge base has articles in it —, or no items
//! when nothing matches (the router then answers with its `no_answer` text, in the user's
//! language).
//!
//! # Articles
//!
//! Any `*.md` file under the folder (hidden files and folders ignored). Optional front matter:
//!
//! ```text
//! ---
//! title: Overrides the first heading
//! url: https://help.example/articles/reset-password
//! tags: [login, password]        # or: tags: login, password   # or a "- item" list
//! lang: hi                        # optional: the article's language (BCP-47, `pt-BR`, `hi`)
//! ---
//! # Reset your password
//! Markdown body…
//! ```
//!
//! The title is the front-matter `title`, else the first `#` heading, else the file name. Files
//! that are too large, not UTF-8, binary or blank are skipped and reported, never fatal.
//!
//! An article with `lang` answers only users of that language (`lang: pt` also serves `pt-BR`);
//! one without answers everyone. When nothing in the user's language matches, the other
//! articles still may: an answer in another language beats none.
//!
//! # Not
//!
//! Not a conversational bot: it keeps no context between questions and does no NLP beyond
//! stemming and stop words. Not a general search engine: one folder, small articles. Not a file
//! watcher using OS notifications: [`FaqBot::watch`] re-checks hashes on a timer, which is
//! simple and portable and cheap for a few hundred files.

#![warn(missing_docs)]

mod article;
mod bot;
mod config;
mod error;
mod excerpt;
mod front_matter;
#[doc(hidden)]
pub mod fuzzing;
mod handoff;
mod query;
mod relevance;
mod report;
mod scan;
mod small_talk;
mod store;

pub use bot::FaqBot;
pub use config::{DEFAULT_HANDOFF_PHRASES, KbConfig, KbDb};
pub use error::KbError;
pub use report::{IndexReport, SkipReason, Skipped};
