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
CREATE TABLE IF NOT EXISTS "notifications" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "read_at" TIMESTAMPTZ,
    "event_id" BIGINT NOT NULL REFERENCES "outbox_events" ("id") ON DELETE CASCADE,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_notificatio_user_id_67c014" UNIQUE ("user_id", "event_id")
);
CREATE INDEX IF NOT EXISTS "idx_notificatio_user_id_87be33" ON "notifications" ("user_id", "read_at");
COMMENT ON TABLE "notifications" IS 'One event addressed to one user, for the notification list and its read marks.';
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
CREATE TABLE IF NOT EXISTS "blogs" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "title" VARCHAR(200) NOT NULL,
    "slug" VARCHAR(220) NOT NULL UNIQUE,
    "content" TEXT NOT NULL,
    "content_html" TEXT NOT NULL,
    "excerpt" VARCHAR(300) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "submitted_at" TIMESTAMPTZ NOT NULL,
    "reviewed_at" TIMESTAMPTZ,
    "rejection_reason" TEXT,
    "published_at" TIMESTAMPTZ,
    "version" INT NOT NULL,
    "author_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "reviewed_by_id" INT REFERENCES "users" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_blogs_status_2827e3" ON "blogs" ("status", "published_at", "id");
CREATE INDEX IF NOT EXISTS "idx_blogs_status_01f173" ON "blogs" ("status", "created_at", "id");
COMMENT ON COLUMN "blogs"."status" IS 'pending: pending\napproved: approved\nrejected: rejected';
COMMENT ON TABLE "blogs" IS 'A post. `version` grows with every change and guards every write (optimistic locking).';
CREATE TABLE IF NOT EXISTS "blog_revisions" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "number" INT,
    "base_number" INT,
    "title" VARCHAR(200) NOT NULL,
    "content" TEXT NOT NULL,
    "tags" JSONB NOT NULL,
    "image_ids" JSONB NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "reviewed_at" TIMESTAMPTZ,
    "rejection_reason" TEXT,
    "author_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "blog_id" INT NOT NULL REFERENCES "blogs" ("id") ON DELETE CASCADE,
    "reviewed_by_id" INT REFERENCES "users" ("id") ON DELETE SET NULL,
    CONSTRAINT "uid_blog_revisi_blog_id_2c0379" UNIQUE ("blog_id", "number")
);
COMMENT ON COLUMN "blog_revisions"."status" IS 'pending: pending\napproved: approved\nrejected: rejected';
COMMENT ON TABLE "blog_revisions" IS 'A version of a post''s text: every approved version, and proposed edits of live posts.';
CREATE TABLE IF NOT EXISTS "blog_reviews" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "decision" VARCHAR(16) NOT NULL,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "blog_id" INT NOT NULL REFERENCES "blogs" ("id") ON DELETE CASCADE,
    "reviewer_id" INT REFERENCES "users" ("id") ON DELETE SET NULL,
    "revision_id" INT REFERENCES "blog_revisions" ("id") ON DELETE CASCADE
);
COMMENT ON COLUMN "blog_reviews"."decision" IS 'approved: approved\nrejected: rejected';
COMMENT ON TABLE "blog_reviews" IS 'One decision on a post or on a revision of it: the audit trail.';
CREATE TABLE IF NOT EXISTS "tags" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(32) NOT NULL UNIQUE
);
COMMENT ON TABLE "tags" IS 'A lowercase slug; created on first use.';
CREATE TABLE IF NOT EXISTS "idempotency_keys" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "key" VARCHAR(255) NOT NULL,
    "scope" VARCHAR(128) NOT NULL,
    "fingerprint" VARCHAR(64) NOT NULL,
    "status_code" INT NOT NULL,
    "response_body" JSONB NOT NULL,
    "response_headers" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_idempotency_user_id_bc4599" UNIQUE ("user_id", "key")
);
CREATE INDEX IF NOT EXISTS "idx_idempotency_expires_ae52bb" ON "idempotency_keys" ("expires_at");
COMMENT ON TABLE "idempotency_keys" IS 'A stored result of a request made with an `Idempotency-Key`.';
CREATE TABLE IF NOT EXISTS "feature_requests" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "title" VARCHAR(200) NOT NULL,
    "description" TEXT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "priority" VARCHAR(16),
    "priority_rank" SMALLINT NOT NULL,
    "response" TEXT,
    "vote_count" INT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "status_changed_at" TIMESTAMPTZ,
    "author_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_feature_req_status_b2a06b" ON "feature_requests" ("status");
CREATE INDEX IF NOT EXISTS "idx_feature_req_vote_co_a8c066" ON "feature_requests" ("vote_count", "id");
CREATE INDEX IF NOT EXISTS "idx_feature_req_priorit_ae20cc" ON "feature_requests" ("priority_rank", "id");
COMMENT ON COLUMN "feature_requests"."status" IS 'pending: pending\naccepted: accepted\ndeclined: declined\ndone: done';
COMMENT ON COLUMN "feature_requests"."priority" IS 'low: low\nmedium: medium\nhigh: high\ncritical: critical';
COMMENT ON TABLE "feature_requests" IS 'One request. `vote_count` is kept in step with `Vote` rows inside the vote transaction.';
CREATE TABLE IF NOT EXISTS "feature_request_votes" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "request_id" INT NOT NULL REFERENCES "feature_requests" ("id") ON DELETE CASCADE,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_feature_req_request_e0af66" UNIQUE ("request_id", "user_id")
);
COMMENT ON TABLE "feature_request_votes" IS 'One user''s vote; the unique pair makes a second vote impossible, even under races.';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);
CREATE TABLE IF NOT EXISTS "blog_images" (
    "blogs_id" INT NOT NULL REFERENCES "blogs" ("id") ON DELETE CASCADE,
    "image_id" INT NOT NULL REFERENCES "images" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS "uidx_blog_images_blogs_i_ce3728" ON "blog_images" ("blogs_id", "image_id");
CREATE TABLE IF NOT EXISTS "blog_tags" (
    "blogs_id" INT NOT NULL REFERENCES "blogs" ("id") ON DELETE CASCADE,
    "tag_id" INT NOT NULL REFERENCES "tags" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS "uidx_blog_tags_blogs_i_e5fa3c" ON "blog_tags" ("blogs_id", "tag_id");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXW1z2zYS/isYfak9k2ZiOXZ8dq8zduq0vjj2jeO+TOsODZGQhBMJqgRoWdfLfz8s+P"
    "4mkXqzxOBDUxnEguSzIIDdfbD4u+O4FrH565858Tqn6O8Oww6RPzLlr1AHj8dJKRQI3LNV"
    "RV/WUCW4x4WHTSEL+9jmRBZZhJseHQvqMqh6zhA2Tddn4gw9EgdT+xFRjrhwPWIh5noOti"
    "mXP/dsd0I8ZGJO9hF3kc/oXz5hhHOoD8XfUsYJ41TQJ/Ia7m65prw9ZYN13yioYgh3QMRQ"
    "gfbHn7KYMos8Ex79OR4ZfUpsK4MptaABVW6I6ViVXTHxQVWEd+gZpmv7Dksqj6di6LK4Nm"
    "UCSgfyET0sCDQvPB+gZr5thyqJ0A+eNKkSPGJKxiJ97NugMJAOHiAp6xjGze298fny3jA6"
    "BWVGEinYwyLTZdAR5KNy9fYDeIRvuwdv3709OTx+eyKrqMeMS959CW6dABMIKnhu7jtf1H"
    "UscFBDYZyAqtRbxPX9EHvlwMYCOWzlQ+exjZDcXnAd/GzYhA3EUP552H0zA8pfzu/e/3R+"
    "tydr7cMtXfmxBp/wTXipG1wDvBN84ftWvxtAnJZpIcq1QJ6BcR7iMeZ84nqWMcR82ATngu"
    "BqwI4KErSTAX3jcHePjmrgLWtVAq6uZRH3XLuiQ18y31FgX8lnwswkBdAj2c1hrb6nTjO0"
    "lcwpgn8fmH1gyAncc5+gKPXHA8OWQ9kpUv/LT6N1tHNwXEM5B8eVuoFLWdVQbshFhJxti/"
    "q5cCX0mFXMl2m5nG56UnBdyokGojV8CDOgvbi9vYaWHc7/slXB1X0O458/XVxK7BX0shIV"
    "JD2hJoCbHgFIDCyKiP8grwjqkHLIs5I5zK1Q9HX0YxdHIvmC1i2zp6GeZyjk/urT5ef780"
    "//zmjlh/P7S7jSVaXTXOle/ruIG0G/Xt3/hOBP9PvtzaWC1+Vi4Kk7JvXuf+/AM2FfuAZz"
    "Jwa2UnNjVBqhlp3Wx9aCWs9Kaq1vi9YjjFJqV08P5kh/lFo7Q0EPm6MJliuHzJXUBEn68q"
    "5DaeaMpPVTMhSH8h8+3hEbK4SLnSG0Ie+Ctu6hqR3sDl+iDyAqTbpFghdzBe1TUyGxJFw3"
    "qabaChd18IAsidMVtNFWgHq2O1gSnwvZRFvh8cgTJRM5CW0Op3BS3SmYAB0DsOLLD0sA01"
    "3YVOu71ctgtotdLIBs6RUCNNJShKhFnLErCDOnxohMl531ktY+kmlbP8S+NCx9j8jvUD4z"
    "F0ti9iFo7S5o7CvBzHiSvWSlwP0iG2wTeGAHuV23yjIqXnK6Tr4EM7kItcJ7w53KbJ6SuF"
    "reJqqOrxUtsfmBtltGUCiHlNwZ8lyhlC3Ln2QJR1QgzCxEOZe6RWJIECPPArlSlDL1N5eP"
    "LO/gUHtaDLGt5xY6uLZdwTWl2cZhiaxU6wJAx29r+LyP31b6vOFS1gUbfAFGWReuRjkjtK"
    "5gRJvCbNrRXQ39bro86zi6yfOYytYW0HpWsoVa3xEtlzi2i2oO1hyLfNxZyRWoeTuN1FZo"
    "GcLZpdNk5UovJTF/ubcD3+wqVnyFiFAW4CK6H1yP0AH7SKYFakS54RjRBncM3CpTURZ7eB"
    "IbHelOJd9dvjEJguvvzz+/P//hsvOlOsS2TqMzEzkqMTrzkaVqo7MQzqpnc5InwqTNZ1ny"
    "kwd6pXCVsQdwvUJ91wtswFTbyKY8NBIFR7AIQQ72Rrzc3lxd8w/sgf3qUSEIQ70pevSICT"
    "QqdYPHyDiVL8w4cEpkQ25fFZlDzAYE7cFtPXeCxsRLPQ88yP4rxN0HBpXVzYFG6jpj6CHq"
    "+dFkSG2C7ohFFcfUcidMPSEjxOLy6eVj2niKeq47GhEylq9fZRn/EX+t6rk7f+ZM5eQ6vD"
    "nMb382sp4v6OBrMaD/0e0eHr7rvjk8Pjl6++7d0cmbeFwtXpo1wF5c/QhjbGaCnG9ma8uk"
    "WkHttUyir7LxehXrxeouLFbVqFy6Wp01sqal2rRi3cgQqy0FbSnslqVQGDBWgOmtL3ru82"
    "XUWkuhTQ+U22SFpdEvMcJyyqm2wVxVMbBJ6m+wC2ykCaZCYqyMoj353xhzsY/Gfs+OLCNp"
    "O4GNElSX7RLslO6jW6Y9sLIeg99ST2oLXp/atrSUJkMS2FiBsTPEPGiMDwnYamcQOuxJm8"
    "wJ44aq2W/CSiai1jqihdre2ZS9owAs4D8joBjWb+H2ptUHE13T9D1vIWsyJ9pCc7JN9oWc"
    "CtyGa9y0yEKL3C0zF1fDf0gg5X7vP8QUxki+T5MBKi/XwoFq9fH4CLRGPTgrpA21kk6MfY"
    "uS0EDIovqvz7c3FQNDSiY/7FNToP8pb/YOgjsDOUAjM9ZHnXXv0/lv+X78/vr2Ij+IQwMX"
    "OfBhzdME+Ki+Bn0J0GPbYYE1T152Iz7VTS7527TkiY3JRpNzWmihmXnbVj1rmJgX2iWqdz"
    "2+KMk82AFZ4mOKt0ZWe5eSHZj1Qvv+2HaxBd4ZEES4L4iHnoiXxNohiO0QgWFGAw8QHcfB"
    "60Ikf+HWApfSEHePjh8RvHXgHwozO/UhtL73+F1Q4fvX35Fn8f2jCskjahEmZOt2eHOOZC"
    "0vEJXPcIYINocPLLgoS6ltowERXFEHIEgP8f4eMbHPCfxNPD6kY7Q3GbrIwVOEhZANyNr7"
    "4OcCYkD4kp5mtm8hsz3oIo2mkViifWTrNVDa5afYNG1UWqaFFvRJnexcJ9XJuU4Kubnk7Q"
    "QEQZr6U/NyLQR79e6KCbVEyTaYypE4rq+dFCVOiiGhg2GJsVYJZyKg8SzzXNL/EqM3Ld3y"
    "We1MywhpXHV2rEZQt5eap9b3zRzTaRH9Jc3nDym8ivhqAlGW5ZLuVhtmuczNRvQJs+m9C/"
    "/W1NWiKYle1BKdoSn1WkbO+RK9JFBbYPwvyXnlekoBIzKN0Q1VHCsnvKaEwmti6Ln+YBiJ"
    "GEmDpR1Dlht5i//LTH+SevISd1L0RtXepLiD1OAoIRirX6PHJ+JBXpxHNPDcCUcTKobA8/"
    "Gm0S4LcAENfAkGD8snHhWw+UK25VAuqIls1xxJ3e2XUJfWchvlfkpHDIK84gSSGihHVJ96"
    "sONE5VfFdrixQ7aKHPeJ8MDRBfrlyieFkU2fiHpSBJs9+AMDb9PYxmacIiGkPKnNJIo2hV"
    "GUnQh2pVC1xSRM6FqXFvWHNPGw8INVXy7+IfuarJ2ukV3IwHXtqtpoEgYqqrIVV9ClIoEW"
    "2vXdN3W8KLJWdTroNwU/Crf9QSNXYFi/dakturUyyHdnZJDvFjPIh96mIsD35LliaEiJtK"
    "IPzzKNLn+7nx0Qjy2j69ubH6Pq+Sh5uWNwKJySsxHm4h7LafAXAJ88m8Qbl/T3GWdSJCKt"
    "gDzni601Zh/OGLMPS8bseH1SBHl+Ev/U+mdzafzHhFmAWjPQI7FTFP54YNFy7zRe+D0wjw"
    "AvDsqiX/k1cR1VrT6fv3agLTQwbZHDrBYzR+eT/yrUzP2eA2kTFlF0XlareqtVHSdDXiil"
    "UlpUb1Pfbj3DckECYMj5lgfsu7r2QplsGxiWmzYZdo7AvDXa2LWvLXRHN3CTpiQ2F1c8WJ"
    "MqV7/XRSLSdBNcWkaHaktQTY7XKE9KWwltUVDvMpwbCQ/6YxFlHQrPhsIz3+38bBqpvrg5"
    "bLes59aFtvjdZvCVj4Fufr6+nkU2yAKvD5yp3BHycqen7AxEKyOuCLwS3so9bj9tJXzHPG"
    "slof5kSSsS2QrKSprOkqesRPqoRVgpLp6rjo1rrNCFz47bKZXGb1lXqWm2URO1NmQiBYqd"
    "S0WKB/8KSlJ6cphNTcqe51WHoxQaXcCwwYqf8w1HgjyL05AjFMVdooqvFNVHlsm6spRYat"
    "dYP+H3lKS0XctdFEOJ+U6PeIqbBBSi6DZBMcKOywZJ2zE2aO8A/TPHYNo/CxlGoJ8gd22Q"
    "3DbmIKnNbiouhVwv3MlHIWMUjwNR1QlseyGzLHiyQgZbzTPaJM8oVEJ9YBMBbeUVjege5s"
    "RojGlOSgNbBFbz4dbNh9OMrY1HAMotleq8MVH9zeeN6XzX91mQFb/nU1tQxl/D/b7vbF4V"
    "a8kmE62CG+kjI6SVsnKlaLqXpnvtODmkxfslNVfk64hea67Iy68Udci7sw5rXfkxm2Cakt"
    "CIahLBC5MIIk/qkmHuRXdob8cYPDfOnfpm5xMINC9D8zJeGNqV8zI2RzbYEcTXmqAzBKsk"
    "fpnAWCNyGSqtXqJOi5hhcgAWBhUhLucW8wacqtggJP4WcNQltctTdS7Zns57uV1Bvkidi3"
    "rS0vLb7Ojv7JLTbBFjWpvQS2yP107Kr9BJqU38NZn4DZ1ROSlt3JcDC7Nsc2BTUhpY7TXZ"
    "vNfES7EyVwBrgx0AW9Z1m9j4qa+2tgNlg56pHUY2NdE0dp2s0zUAdPsSv0DIwq92CkS8nz"
    "okZtuVL29iThAkLDtD4eIVjPeA5etzUkZLri2njfvtMu6bHriw2sMWtiiP3cbPRFrZjiWd"
    "ancFqXZjMmX9RLvJfqal9izNT7J7ZRFn7ArCzOlHdevi6U3ZGjOnA5rUhTepPTWEByZJ41"
    "oqMNh/4hHZA+Tg7mCLBGlyMUOPqYf5Vj7NY9l8sVxjpRtD/HBhAtpZaleIPtQbrm3iUO8R"
    "KYnnVc89YfVt9iEvSsk/OqpDyT86qqbkw7Uc/9V0m53xEwu0EOGD7kkdF3z3pNoHD9fyJ1"
    "axAfHGHi3b+DDr0KqMWAvRXv3hYAEdW4JolXTp6tNqslLaI1vqOORjeQdi9FyrZDiu3r9Q"
    "ENQHEi+xWyFGc0jgBMhGO0nKZLUyllCGjvZVDz/tjfaR5zGVrS2g9azkZrSuDwRfMO0wbx"
    "p9TEnoFcT8CFlkiGsK7KxIQ6pTbfiQrpm+pg9y+vI9chc4YzolvqZcjVezfE39oK4R+nYa"
    "cBJDCTiNyRVEwumz4OSkERkLOOiICzIO3ESPv8gaj0id1UQZpxYJUpjIUmAVMo7VHqJyru"
    "Ka7lPnQKXkhiARHaIkzULXo2JqyBZH0QUdE9lkTERni1h3toj0kxVwrqYw5sRagfamiYzb"
    "viu+MJCscFO8acpBXfF7w18P8ramTRmURb9kmcuI/Fv+m58yXobrG00JiyotLb/F3N+O7U"
    "5OgUnwwBxiUd85RcH/H9iQDoanCP59YFJCUBPbpyj6tV1aiifurKo+O9i2K6fmgvDmDI03"
    "652lD7vvjuMJGv6YNTd//nR+fV3tomwyV6RltrjTb+08kV2d1lxhZoVa04f10fDar7iEX1"
    "EfdNU2rZc4GguJuqPYozoyeqHDr8oa0MlutkflxS9dJ1pZ1aw5w7+skyzU8zDXSLJQJwcA"
    "rOmWzACQdRmDG7VFsK81HUAJcnNd8hG+td3yRqzier55CF18w5Xj+0y5wAMVoTGmHnLwiH"
    "CEEScSKSvwjlNHDrScyru/gjTlTApYxEPyTqQkyfl6blHKGfWSIIaKWuls4i/pd9fWUdvW"
    "yfUSQQaDUMN9q2khvWoq8TVonsOa16GpyWPJhWgxpL5jSNffXpn+bOfvW9VUkh2mkpwTj5"
    "rDsvVqeGXmGhUndeYtSqsB1btNt2uFV3mUbTW3ovos292M929g4w98VA0QDqu3EN2DWtyV"
    "gxnclYMGJ51U8/OrTzrRtPzTObT8ze2oLpnMvvwfCYgphQ=="
)
