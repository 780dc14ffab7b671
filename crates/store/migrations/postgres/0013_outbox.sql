-- E-mail sent reliably: a mail is written here in the transaction of the change that causes it (a
-- crash between the change and the mail loses neither), once per event and recipient (the
-- dedupe key), and sent by a worker that marks it sent, or retries it later and at last marks it
-- failed with the reason. Without SMTP the outbox still fills, for the RCC to see.
CREATE TABLE outbox (
    id BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    user_id BIGINT REFERENCES users(id),
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    round_id BIGINT REFERENCES rounds(id),
    message_id TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_round ON outbox (round_id);

-- The days before a round's deadline that reminders go out (0: the deadline day; -1: the day
-- after, to those not submitted and the RCC).
ALTER TABLE rounds ADD COLUMN reminder_days TEXT NOT NULL DEFAULT '14,3,0,-1';

-- The kinds of mail a person has turned off (never an invitation or a new password).
CREATE TABLE notification_optouts (
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
