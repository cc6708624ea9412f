//! The router's configuration: routing mode, live-agent keywords and the texts users see.

use serde::{Deserialize, Serialize};

/// How a conversation gets to an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutingMode {
    /// The bridge asks the virtual agent itself while in `Bot`; on hand-off it posts the bot
    /// transcript into the conversation and creates the Flex Interaction. One Twilio call per
    /// relayed message in steady state.
    #[default]
    Bridge,
    /// Every user message goes into the conversation; a Studio flow splits live-agent requests to
    /// "Send to Flex" and sends the rest back through `POST /chatbot-to-discord`.
    Studio,
}

/// Everything the user reads from flexcord itself. Placeholders in braces are filled in by the
/// router: `{user}` (display name), `{case}` (as `#1042`), `{agent}` (agent name), `{rating}`
/// (1–5, in `rating_thanks`) and `{title}` (the report title, in `bug_filed`/`feature_filed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Templates {
    /// Ephemeral answer to `/helpme` in the server.
    pub check_dms: String,
    /// Ephemeral answer to `/helpme` used in the DM itself (the greeting follows).
    pub here_in_dm: String,
    /// First message in the DM.
    pub greeting: String,
    /// A live agent was requested and the case exists.
    pub case_created: String,
    /// A live agent was requested but the case system failed: routed anyway.
    pub transferring_without_case: String,
    /// The case for such a chat, opened once the case system answered again.
    pub case_opened_later: String,
    /// The same, for the agent, in the conversation (the deployment's default language).
    pub case_opened_notice: String,
    /// The agent joined.
    pub agent_joined: String,
    /// The agent left (without closing).
    pub agent_left: String,
    /// The chat ended.
    pub chat_ended: String,
    /// Asking for a 1–5 rating.
    pub rating_prompt: String,
    /// After a rating.
    pub rating_thanks: String,
    /// The virtual agent found nothing.
    pub no_answer: String,
    /// The virtual agent failed or timed out.
    pub bot_unavailable: String,
    /// Asked for an agent while already waiting for or talking to one.
    pub already_with_agent: String,
    /// Bug report filed.
    pub bug_filed: String,
    /// Feature request filed.
    pub feature_filed: String,
    /// A report could not be filed.
    pub report_failed: String,
    /// `/case` by someone without the staff role.
    pub case_forbidden: String,
    /// `/case` for a case that does not exist.
    pub case_not_found: String,
    /// `/case` with something that is not a case number.
    pub invalid_case_number: String,
    /// A slash command flexcord does not have (a stale registration).
    pub unknown_command: String,
    /// A submitted form flexcord does not know.
    pub unknown_form: String,
    /// A report form without a title or a description.
    pub report_incomplete: String,
    /// The user's DM could not be opened (`/helpme`).
    pub dm_failed: String,
    /// Told to the agent side when the user's DMs are closed.
    pub dm_closed_notice: String,
    /// Something failed while relaying; the user is asked to retry.
    pub relay_failed: String,
    /// Told to the user when a file of their message did not reach the agent (their text did).
    /// `{file}` is its name, `{reason}` why (one of the `file_reason_*` texts).
    pub file_not_delivered: String,
    /// A live agent's message as the user sees it (applied by the chat surface): `{agent}` is
    /// the agent's display name (their Flex friendly name, Markdown-escaped), `{text}` what they
    /// wrote.
    pub agent_message: String,
    /// The virtual agent's answer as the user sees it (`{text}`; applied by the chat surface):
    /// marked so it never looks like a person wrote it.
    pub bot_message: String,
    /// Shown above the articles the virtual agent suggests.
    pub answer_intro: String,
    /// The "Talk to a live agent" button.
    pub button_talk_to_agent: String,
    /// The "End chat" button.
    pub button_end_chat: String,
    /// The `/bug` form's title.
    pub form_bug_title: String,
    /// The `/new_feature` form's title.
    pub form_feature_title: String,
    /// A report form's title field (also the report card's field names, in the default locale).
    pub form_title: String,
    /// A report form's description field.
    pub form_description: String,
    /// The bug form's "steps to reproduce" field.
    pub form_steps: String,
    /// The bug form's "platform / version" field.
    pub form_platform: String,
    /// `/helpme`'s name in this language (Discord `name_localizations`; not used for `en`, whose
    /// names are the commands themselves). Lower case, no spaces, at most 32 characters.
    pub command_helpme_name: String,
    /// `/helpme`'s description.
    pub command_helpme: String,
    /// `/bug`'s name in this language.
    pub command_bug_name: String,
    /// `/bug`'s description.
    pub command_bug: String,
    /// `/new_feature`'s name in this language.
    pub command_new_feature_name: String,
    /// `/new_feature`'s description.
    pub command_new_feature: String,
    /// `/case`'s name in this language.
    pub command_case_name: String,
    /// `/case`'s description.
    pub command_case: String,
    /// The name of `/case`'s option in this language.
    pub command_case_id_name: String,
    /// The description of `/case`'s option.
    pub command_case_id: String,
    /// `/block`'s name in this language.
    pub command_block_name: String,
    /// `/block`'s description.
    pub command_block: String,
    /// `/unblock`'s name in this language.
    pub command_unblock_name: String,
    /// `/unblock`'s description.
    pub command_unblock: String,
    /// The name of the user option of `/block` and `/unblock` in this language.
    pub command_user_name: String,
    /// The description of `/block`'s user option.
    pub command_block_user: String,
    /// The description of `/unblock`'s user option.
    pub command_unblock_user: String,
    /// The name of `/block`'s reason option in this language.
    pub command_reason_name: String,
    /// The description of `/block`'s reason option.
    pub command_reason: String,
    /// `{reason}` of `file_not_delivered`: the file is empty.
    pub file_reason_empty: String,
    /// `{reason}`: the file is too large.
    pub file_reason_too_large: String,
    /// `{reason}`: the file could not be downloaded from Discord.
    pub file_reason_unavailable: String,
    /// `{reason}`: the contact center refused it.
    pub file_reason_refused: String,
    /// The virtual agent's reply to a message that is only a greeting ("hi").
    pub greeting_reply: String,
    /// The virtual agent's reply to a message that is only thanks ("thanks!").
    pub thanks_reply: String,
    /// Refusals over a per-user limit, one per limit, each sent once per stretch of refusals
    /// (not per refused request). `{retry}` is when they can try again, as a Discord timestamp
    /// the client shows in the reader's language ("in 5 minutes").
    /// A new live-agent chat refused (too many hand-offs).
    pub limit_handoff: String,
    /// A `/bug` or `/new_feature` form refused.
    pub limit_report: String,
    /// `/helpme` refused.
    pub limit_helpme: String,
    /// Messages to the virtual agent refused.
    pub limit_bot_dm: String,
    /// Messages to a live agent refused: the user is told they were not delivered.
    pub limit_agent_dm: String,
    /// Told (at most once a day) to a blocked user who writes or uses a command.
    pub blocked_notice: String,
    /// Noted on the case when a live chat ends because the user was blocked (the reason and
    /// who blocked follow).
    pub blocked_chat_ended: String,
    /// `/block` done: `{target}` is the blocked user.
    pub block_done: String,
    /// `/unblock` done, or the user was not blocked (`{target}`).
    pub unblock_done: String,
    /// `/block` or `/unblock` by someone who is not staff.
    pub block_forbidden: String,
}

impl Default for Templates {
    fn default() -> Self {
        Self {
            check_dms: "Check your DMs — I've sent you a message there.".into(),
            here_in_dm: "I'm right here, {user}.".into(),
            greeting: "Hi {user}! I'm the virtual support agent. Ask me anything, or press \
                       \"Talk to a live agent\" at any time."
                .into(),
            case_created: "Case {case} created. Transferring you to a live agent — please stay \
                           in this chat."
                .into(),
            transferring_without_case: "Transferring you to a live agent — please stay in this \
                                        chat."
                .into(),
            case_opened_later: "This chat is now case {case}.".into(),
            case_opened_notice: "Case {case} is open for this chat.".into(),
            agent_joined: "{agent} joined the chat.".into(),
            agent_left: "{agent} left the chat.".into(),
            chat_ended: "The chat has ended. Thanks for contacting us!".into(),
            rating_prompt: "How did we do? Rate this chat from 1 (bad) to 5 (great).".into(),
            rating_thanks: "Thanks for your feedback ({rating}/5) on case {case}.".into(),
            no_answer: "I couldn't find an article about that. Try other words, or press \
                        \"Talk to a live agent\"."
                .into(),
            bot_unavailable: "I can't answer right now. Press \"Talk to a live agent\" and a \
                              person will help you."
                .into(),
            already_with_agent: "You're already connected to our support team (case {case})."
                .into(),
            bug_filed: "Thanks! Your bug report is case {case}.".into(),
            feature_filed: "Thanks! Your feature request is case {case}.".into(),
            report_failed: "Sorry, your report could not be filed right now. Please try again \
                            in a few minutes."
                .into(),
            case_forbidden: "Only support staff can look cases up.".into(),
            case_not_found: "There is no case {case}.".into(),
            invalid_case_number: "That is not a case number. Use a number like `1042` or `#1042`."
                .into(),
            unknown_command: "flexcord does not know that command.".into(),
            unknown_form: "flexcord does not know that form.".into(),
            report_incomplete: "A title and a description are required.".into(),
            dm_failed: "I couldn't send you a DM. Please allow direct messages from server \
                        members and try again."
                .into(),
            dm_closed_notice: "[flexcord] The customer's Discord DMs are closed; they did not \
                               receive the last message."
                .into(),
            relay_failed: "Your message could not be delivered. Please try again.".into(),
            file_not_delivered: "Your file {file} could not be passed on to the agent \
                                 ({reason}). Your message was."
                .into(),
            agent_message: "**{agent}**\n{text}".into(),
            bot_message: "🤖 *Virtual agent*\n{text}".into(),
            answer_intro: "Here's what I found:".into(),
            button_talk_to_agent: "Talk to a live agent".into(),
            button_end_chat: "End chat".into(),
            form_bug_title: "Report a bug".into(),
            form_feature_title: "Request a feature".into(),
            form_title: "Title".into(),
            form_description: "Description".into(),
            form_steps: "Steps to reproduce".into(),
            form_platform: "Platform / version".into(),
            command_helpme_name: "helpme".into(),
            command_helpme: "Talk to support in a private message".into(),
            command_bug_name: "bug".into(),
            command_bug: "Report a bug".into(),
            command_new_feature_name: "new_feature".into(),
            command_new_feature: "Request a new feature".into(),
            command_case_name: "case".into(),
            command_case: "Look a case up (staff only)".into(),
            command_case_id_name: "id".into(),
            command_case_id: "Case number, like 1042 or #1042".into(),
            command_block_name: "block".into(),
            command_block: "Keep a user out of support (staff only)".into(),
            command_unblock_name: "unblock".into(),
            command_unblock: "Let a blocked user use support again (staff only)".into(),
            command_user_name: "user".into(),
            command_block_user: "Who to block".into(),
            command_unblock_user: "Who to unblock".into(),
            command_reason_name: "reason".into(),
            command_reason: "Why (staff see it; the user does not)".into(),
            file_reason_empty: "it is empty".into(),
            file_reason_too_large: "it is too large".into(),
            file_reason_unavailable: "it could not be downloaded".into(),
            file_reason_refused: "it was refused".into(),
            greeting_reply: "Hi {user}! Ask me anything about the game, or press \"Talk to a \
                             live agent\" and a person will help you."
                .into(),
            thanks_reply: "You're welcome! If there's anything else, just ask.".into(),
            limit_handoff: "Sorry {user}, you've started several live chats recently, so I \
                            can't open another one just now. You can ask for an agent again \
                            {retry}; until then I'm happy to help here."
                .into(),
            limit_report: "Sorry {user}, you've sent several reports recently, so this one was \
                           not filed. Please send it again {retry}."
                .into(),
            limit_helpme: "You've used /helpme several times recently; your DM with me is \
                           still open. You can use /helpme again {retry}."
                .into(),
            limit_bot_dm: "Sorry {user}, that's a lot of messages at once. I'll answer again \
                           {retry}; messages sent before then won't be answered."
                .into(),
            limit_agent_dm: "Sorry {user}, you're sending messages faster than we can pass them \
                             on: your messages were not delivered to the agent. Please send \
                             them again {retry}."
                .into(),
            blocked_notice: "Sorry, support through this bot is not available to you.".into(),
            blocked_chat_ended: "[flexcord] Staff blocked this customer; the chat was ended."
                .into(),
            block_done: "{target} is blocked: support ignores them from now on.".into(),
            unblock_done: "{target} is not blocked.".into(),
            block_forbidden: "Only support staff can block or unblock users.".into(),
        }
    }
}

/// Fills `{name}` placeholders. Unknown placeholders stay as they are, so a typo in a deployment's
/// template shows up in the text instead of failing the send.
#[must_use]
pub fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The router's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouterConfig {
    /// Bridge or studio.
    pub routing: RoutingMode,
    /// Phrases that ask for a live agent when a DM is one of them, or a short request built
    /// around one ("can I talk to a human please"), compared case-insensitively; never inside a
    /// longer sentence or under a negation. The first is what Studio mode posts for the button.
    pub handoff_keywords: Vec<String>,
    /// Texts users see.
    pub templates: Templates,
    /// At most this many transcript lines are kept per chat (oldest dropped first).
    pub transcript_limit: usize,
    /// Per-user limits (`[limits]` in the config file, `FLEXCORD_LIMITS`). Filled by the binary
    /// from its own settings.
    #[serde(skip)]
    pub limits: crate::limits::Limits,
    /// Who counts as staff for staff-only commands (`/case`). Filled from the Discord settings,
    /// never from the router's own file section.
    #[serde(skip)]
    pub staff: StaffPolicy,
    /// The texts in every language flexcord speaks, and the default one. Filled by the binary
    /// (shipped locale files, `FLEXCORD_LOCALES_DIR`, `FLEXCORD_DEFAULT_LOCALE`); when empty,
    /// everyone reads `templates`.
    #[serde(skip)]
    pub locales: crate::locale::Locales,
}

impl RouterConfig {
    /// The texts for a user whose Discord locale is `locale` (`hi`, `pt-BR`…): that locale,
    /// else its language (`pt-BR` → `pt`), else the default locale, else `templates`.
    #[must_use]
    pub fn templates_for(&self, locale: Option<&str>) -> &Templates {
        self.locales.find(locale).unwrap_or(&self.templates)
    }

    /// The texts in the deployment's default locale (what staff and agents read: report
    /// cards, notices into the conversation).
    #[must_use]
    pub fn default_templates(&self) -> &Templates {
        self.templates_for(None)
    }
}

/// Who may use staff-only commands: members of the configured server with Manage Server (or
/// Administrator), or with the staff role. Nobody is staff anywhere else, whatever their
/// permissions there: the bot can be in other servers, or installed by a user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffPolicy {
    /// The served server (`DISCORD_GUILD_ID`); `None` makes nobody staff.
    pub guild: Option<u64>,
    /// The staff role's name (`FLEXCORD_STAFF_ROLE`), compared case-insensitively.
    pub role: Option<String>,
}

impl StaffPolicy {
    /// Whether `member` is staff.
    #[must_use]
    pub fn is_staff(&self, member: Option<&crate::event::Member>) -> bool {
        let Some(member) = member else {
            return false;
        };
        if self.guild != Some(member.guild) {
            return false;
        }
        let by_role = self
            .role
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .is_some_and(|staff| member.roles.iter().any(|r| r.eq_ignore_ascii_case(staff)));
        member.manages_server || by_role
    }
}

impl Default for RouterConfig {
    fn default() -> Self {
        Self {
            routing: RoutingMode::Bridge,
            handoff_keywords: [
                "agent",
                "human",
                "human please",
                "live agent",
                "real person",
                "talk to a person",
                "talk to someone",
            ]
            .map(String::from)
            .to_vec(),
            templates: Templates::default(),
            transcript_limit: 200,
            limits: crate::limits::Limits::default(),
            staff: StaffPolicy::default(),
            locales: crate::locale::Locales::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{StaffPolicy, render};
    use crate::event::Member;

    fn member(guild: u64, manages_server: bool, roles: &[&str]) -> Member {
        Member {
            guild,
            manages_server,
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    #[test]
    fn staff_only_in_the_served_server() {
        let policy = StaffPolicy {
            guild: Some(1),
            role: Some("Support".to_owned()),
        };
        assert!(policy.is_staff(Some(&member(1, true, &[]))));
        assert!(policy.is_staff(Some(&member(1, false, &["SUPPORT"]))));
        assert!(!policy.is_staff(Some(&member(1, false, &["Player"]))));
        assert!(!policy.is_staff(Some(&member(2, true, &["Support"]))));
        assert!(!policy.is_staff(None));
        let unset = StaffPolicy::default();
        assert!(!unset.is_staff(Some(&member(1, true, &[]))));
    }

    #[test]
    fn render_fills_known_and_keeps_unknown_placeholders() {
        assert_eq!(
            render("case {case} for {user}", &[("case", "#7"), ("user", "Ann")]),
            "case #7 for Ann"
        );
        assert_eq!(render("hi {nobody}", &[]), "hi {nobody}");
        assert_eq!(render("open { brace", &[]), "open { brace");
        assert_eq!(render("", &[("a", "b")]), "");
    }
}
