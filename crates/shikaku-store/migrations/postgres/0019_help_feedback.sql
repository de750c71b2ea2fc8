-- What the help pages learn: 「役に立ちましたか」 answers per FAQ entry (from its page and from
-- the chatbot's 解決した / 解決しない), and questions nothing answered. Counters only: no
-- account, address or session is stored, and a question is kept with digits and mail
-- addresses masked.
CREATE TABLE faq_feedback (
    entry_id  TEXT PRIMARY KEY,
    helpful   BIGINT NOT NULL DEFAULT 0,
    unhelpful BIGINT NOT NULL DEFAULT 0,
    last_at   TIMESTAMPTZ NOT NULL
);
CREATE TABLE faq_unanswered (
    query    TEXT NOT NULL,
    lang     TEXT NOT NULL,             -- ja | en
    asked    BIGINT NOT NULL,
    first_at TIMESTAMPTZ NOT NULL,
    last_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (query, lang)
);
CREATE INDEX faq_unanswered_asked ON faq_unanswered (asked DESC, last_at DESC);
