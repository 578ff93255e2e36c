from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "users" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "email" VARCHAR(320) NOT NULL UNIQUE,
    "username" VARCHAR(32) NOT NULL UNIQUE,
    "password_hash" VARCHAR(255) NOT NULL,
    "role" VARCHAR(16) NOT NULL,
    "is_active" BOOL NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON COLUMN "users"."role" IS 'user: user\nl1_approver: l1_approver\nadmin: admin';
COMMENT ON TABLE "users" IS 'An account; `email` is stored normalised (lower case) so uniqueness is case-insensitive.';
CREATE TABLE IF NOT EXISTS "refresh_tokens" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "family_id" VARCHAR(32) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "revoked_at" TIMESTAMPTZ,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_refresh_tok_family__59d0e5" ON "refresh_tokens" ("family_id");
COMMENT ON TABLE "refresh_tokens" IS 'One refresh token; rotation revokes it and issues the next one in the same family.';
CREATE TABLE IF NOT EXISTS "outbox_events" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "type" VARCHAR(64) NOT NULL,
    "occurred_at" TIMESTAMPTZ NOT NULL,
    "actor_id" INT,
    "subject_kind" VARCHAR(32) NOT NULL,
    "subject_id" INT NOT NULL,
    "audience" JSONB NOT NULL,
    "data" JSONB NOT NULL,
    "published_at" TIMESTAMPTZ,
    "stream_id" VARCHAR(32)
);
CREATE INDEX IF NOT EXISTS "idx_outbox_even_publish_f7744d" ON "outbox_events" ("published_at");
COMMENT ON TABLE "outbox_events" IS 'An event waiting for (or past) publication to the event stream.';
CREATE TABLE IF NOT EXISTS "images" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "sha256" VARCHAR(64) NOT NULL,
    "filename" VARCHAR(80) NOT NULL,
    "content_type" VARCHAR(32) NOT NULL,
    "width" INT NOT NULL,
    "height" INT NOT NULL,
    "size_bytes" INT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "owner_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_images_sha256_95e961" ON "images" ("sha256");
COMMENT ON TABLE "images" IS 'One uploaded image after verification and metadata stripping.';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztW21v2zYQ/iuEvywB0iBxXtcUBZzUXbM28ZC429BlUGiJtrhIpCpScbwu/31HSrLeHc"
    "u1M8fzh6bW8Y6knuPLPUfqW8PlFnHE9mdB/MZr9K3BsEvgR0a+hRrY8xKpEkjcc7RiABpa"
    "gntC+tiUIOxjRxAQWUSYPvUk5UypthjCpskDJk/QLXExdW4RFUhI7hMLMe672KECfm44fE"
    "h8ZGJBNpHgKGD0a0AYEULpK/ErygRhgkp6T7ZV6xY3oXnKBotuKFQxJB8QaWvQ/vgTxJRZ"
    "5IGI+NG7M/qUOFYGU2qpCrTckCNPy86ZfK8V1Tv0DJM7gcsSZW8kbc7G2pRJJR1AF30sia"
    "pe+oGCmgWOE7kkRj/saaISdjFlY5E+DhzlMGUddiCRNQzjstM1rttdw2gUnBlbpGCPRCZn"
    "aiBAV4V++4Hqwqvm7v7R/vHe4f4xqOhujiVHj2HTCTChoYbnstt41OVY4lBDY5yAqt1bxP"
    "XMxn45sGODHLbQ6Ty2MZLLC66LHwyHsIG04XGvuTMByl9bV2cfWlcboLWpmuQwWcMpfBkV"
    "NcMyhXeCr5rf+ncNiNM2K4jyVCBPwDgPsYeFGHLfMmws7Do4FwznA3YsSNBOFvRnh7t5cD"
    "AF3qBVCbguyyLuc6diQLdZ4Gqwz6FPmJmkAHps+3xY6/nUqIe2tnmN1N8b5uwasIH7/F6J"
    "Ug83DFsuZa+R/i+/jU7jnd3DKZyze1jpG1WUdQ0VBgQRsNsW/XPKAXrMKvbLtF3ONz0wXJ"
    "Rz4oVoARNhArSnnc4nVbMrxFdHC867OYw/X5y2AXsNPShRSdIbagK46RMFiYFlEfF3UCKp"
    "S8ohz1rmMLci0+34x0tcieAFrQ5zRpGfJzike37Rvu62Ln7JeOVdq9tWJU0tHeWkG/l5Ma"
    "4E/Xbe/YDUI/rSuWxreLmQA1+3mOh1vzRUn3AgucH40MBWam+MpTFq2W3ds2b0etZy7fVl"
    "8XqMUcrtuveKjvTvUrGzEvSweTfEEDlkSlIbJOlDqzbQnDtgPyVLcWT//uMVcbBGuDgYIg"
    "55FdbVVVW9wOHwGE+AWJoMi9Su5eIB+U6czlUdqwSQGmi8yauGXrHIbbp5CWYAihW1rVoq"
    "G1QliYv8oKtOYBSH+tOZjA4jKLJD2u4E+Vxq/4L8HiQCUYkwsxAVIoAnaRPEyINEHEwp08"
    "8CugwtuNQZFXMYi2linb1YruyF9mxt3pe1WjmGfbg/Bak43K8kFaooG+OGM8AoG8LVKGeM"
    "FsX2VimPsWYSqxZTTsMkyINHobYZvJ61XEGvvxAvlzCHopvDmGOWyZ21nIObo1G59vL8va"
    "zyhaXbZGWkl7J4Otx7AXN2HhFfgXJnAS6i+577hA7YRzIq5J7LuWJ8LvvCwK2iiiD28XBM"
    "OtKDCt4d3piE2cuz1vVZ61278Vidw1gk6ewEsscf2vdEd7zAOdPFW5MoJ9eKBlGa05+da3"
    "U0xFQCxKjPfbQB/zws5Cbygp5DzZAdSq6pX6gO9RLslh6Rf099N+yG3Ya/wU/6dL1PHYdY"
    "aGiTkHr6xMEjBCQlrEzYUEjliSKtPWJyN2KsutofIiUTUWsRPPWUDv4vVPXHZnNv76i5s3"
    "d4fLB/dHRwvDNewYpFk5ay0/Of1GqW2YqmILQKwAL+E6hspL+CJ5fzp7HcNAPfnykIy5mu"
    "g+2lDsNgK+A147C0yUyB2JJF1fPJvCWQiqD3FzGlcQfvU2eBytut4EI1/0xQDFqtEZw1Wp"
    "OJkkGMA4uSiBhkUf35unNZsTCkbPLLPjUl+gdBcPYSwZ2AnEIjs9bHg3XjovV7fhyffeqc"
    "5hdxVcFpDnwV89QBPtZfg/4doI+5wwwxT972WVJPzxnyr1LIMyaTtTbntNFMO/OyRT0L2J"
    "hrXABZZPIkvN5QkjYZ33uoTpgk1yumO5sPPIdjSyUclCHCfUl8dE982o+TGurc3CUSq0Va"
    "JTWo54Ffyo/hZ64tzJLYuHlweIvUW4cpj+g7hD51CNq4fRMqvN1+Qx7k29vNLfUhArUIk1"
    "C7EzUuEGj5oSn04QQRbNo3LCwEKXUcNCBSXQkQiA8Z8vlQpVlwIIh6Jr6wqYc2hjZHLh4h"
    "LCVUANqbKnXjwftEL+mvrwks4TWBcIjUWhnHFqt3cr2A+wEwFet+5JC2WUFSeDzNtyTH1Z"
    "+SHBe+JIHmJKxqRt0UYd5uBcGePwMfUkuW3CmqXInH+mveXcK7bUIHdgn/qIQzMVjjWZaM"
    "o38TozeSZVdmq/NDGaM1rutvOWpBvbo3sHR8Xy/XmjZZz6Snr21ovIr4ru9tZO9tpIfVMl"
    "3caAFZN+1GSfIhKtmalH3Aic5T2YdqRNeUerko9T3xRfQ5zrREJGWyghxkIR9aq0lVA+FI"
    "fQXR3d2Zhk+DVvWn0jtVjLrOoVTKZH0uVfNc6j9NpD/+C28K/sM="
)
