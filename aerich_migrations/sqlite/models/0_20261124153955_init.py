from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "users" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "email" VARCHAR(320) NOT NULL UNIQUE,
    "username" VARCHAR(32) NOT NULL UNIQUE,
    "password_hash" VARCHAR(255) NOT NULL,
    "role" VARCHAR(16) NOT NULL /* user: user\nl1_approver: l1_approver\nadmin: admin */,
    "is_active" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
) /* An account; `email` is stored normalised (lower case) so uniqueness is case-insensitive. */;
CREATE TABLE IF NOT EXISTS "refresh_tokens" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "family_id" VARCHAR(32) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "revoked_at" TIMESTAMP,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
) /* One refresh token; rotation revokes it and issues the next one in the same family. */;
CREATE INDEX IF NOT EXISTS "idx_refresh_tok_family__59d0e5" ON "refresh_tokens" ("family_id");
CREATE TABLE IF NOT EXISTS "outbox_events" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "type" VARCHAR(64) NOT NULL,
    "occurred_at" TIMESTAMP NOT NULL,
    "actor_id" INT,
    "subject_kind" VARCHAR(32) NOT NULL,
    "subject_id" INT NOT NULL,
    "audience" JSON NOT NULL,
    "data" JSON NOT NULL,
    "published_at" TIMESTAMP,
    "stream_id" VARCHAR(32)
) /* An event waiting for (or past) publication to the event stream. */;
CREATE INDEX IF NOT EXISTS "idx_outbox_even_publish_f7744d" ON "outbox_events" ("published_at");
CREATE TABLE IF NOT EXISTS "notifications" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "read_at" TIMESTAMP,
    "event_id" BIGINT NOT NULL REFERENCES "outbox_events" ("id") ON DELETE CASCADE,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_notificatio_user_id_67c014" UNIQUE ("user_id", "event_id")
) /* One event addressed to one user, for the notification list and its read marks. */;
CREATE INDEX IF NOT EXISTS "idx_notificatio_user_id_87be33" ON "notifications" ("user_id", "read_at");
CREATE TABLE IF NOT EXISTS "images" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "sha256" VARCHAR(64) NOT NULL,
    "filename" VARCHAR(80) NOT NULL,
    "content_type" VARCHAR(32) NOT NULL,
    "width" INT NOT NULL,
    "height" INT NOT NULL,
    "size_bytes" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "owner_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
) /* One uploaded image after verification and metadata stripping. */;
CREATE INDEX IF NOT EXISTS "idx_images_sha256_95e961" ON "images" ("sha256");
CREATE TABLE IF NOT EXISTS "blogs" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "slug" VARCHAR(220) NOT NULL UNIQUE,
    "content" TEXT NOT NULL,
    "content_html" TEXT NOT NULL,
    "excerpt" VARCHAR(300) NOT NULL,
    "status" VARCHAR(16) NOT NULL /* pending: pending\napproved: approved\nrejected: rejected */,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "submitted_at" TIMESTAMP NOT NULL,
    "reviewed_at" TIMESTAMP,
    "rejection_reason" TEXT,
    "published_at" TIMESTAMP,
    "version" INT NOT NULL,
    "author_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "reviewed_by_id" INT REFERENCES "users" ("id") ON DELETE SET NULL
) /* A post. `version` grows with every change and guards every write (optimistic locking). */;
CREATE INDEX IF NOT EXISTS "idx_blogs_status_2827e3" ON "blogs" ("status", "published_at", "id");
CREATE INDEX IF NOT EXISTS "idx_blogs_status_01f173" ON "blogs" ("status", "created_at", "id");
CREATE TABLE IF NOT EXISTS "blog_revisions" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "number" INT,
    "base_number" INT,
    "title" VARCHAR(200) NOT NULL,
    "content" TEXT NOT NULL,
    "tags" JSON NOT NULL,
    "image_ids" JSON NOT NULL,
    "status" VARCHAR(16) NOT NULL /* pending: pending\napproved: approved\nrejected: rejected */,
    "created_at" TIMESTAMP NOT NULL,
    "reviewed_at" TIMESTAMP,
    "rejection_reason" TEXT,
    "author_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "blog_id" INT NOT NULL REFERENCES "blogs" ("id") ON DELETE CASCADE,
    "reviewed_by_id" INT REFERENCES "users" ("id") ON DELETE SET NULL,
    CONSTRAINT "uid_blog_revisi_blog_id_2c0379" UNIQUE ("blog_id", "number")
) /* A version of a post's text: every approved version, and proposed edits of live posts. */;
CREATE TABLE IF NOT EXISTS "blog_reviews" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "decision" VARCHAR(16) NOT NULL /* approved: approved\nrejected: rejected */,
    "reason" TEXT,
    "created_at" TIMESTAMP NOT NULL,
    "blog_id" INT NOT NULL REFERENCES "blogs" ("id") ON DELETE CASCADE,
    "reviewer_id" INT REFERENCES "users" ("id") ON DELETE SET NULL,
    "revision_id" INT REFERENCES "blog_revisions" ("id") ON DELETE CASCADE
) /* One decision on a post or on a revision of it: the audit trail. */;
CREATE TABLE IF NOT EXISTS "tags" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(32) NOT NULL UNIQUE
) /* A lowercase slug; created on first use. */;
CREATE TABLE IF NOT EXISTS "idempotency_keys" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "scope" VARCHAR(128) NOT NULL,
    "fingerprint" VARCHAR(64) NOT NULL,
    "status_code" INT NOT NULL,
    "response_body" JSON NOT NULL,
    "response_headers" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_idempotency_user_id_bc4599" UNIQUE ("user_id", "key")
) /* A stored result of a request made with an `Idempotency-Key`. */;
CREATE INDEX IF NOT EXISTS "idx_idempotency_expires_ae52bb" ON "idempotency_keys" ("expires_at");
CREATE TABLE IF NOT EXISTS "feature_requests" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "description" TEXT NOT NULL,
    "status" VARCHAR(16) NOT NULL /* pending: pending\naccepted: accepted\ndeclined: declined\ndone: done */,
    "priority" VARCHAR(16) /* low: low\nmedium: medium\nhigh: high\ncritical: critical */,
    "priority_rank" SMALLINT NOT NULL,
    "response" TEXT,
    "vote_count" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "status_changed_at" TIMESTAMP,
    "author_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
) /* One request. `vote_count` is kept in step with `Vote` rows inside the vote transaction. */;
CREATE INDEX IF NOT EXISTS "idx_feature_req_status_b2a06b" ON "feature_requests" ("status");
CREATE INDEX IF NOT EXISTS "idx_feature_req_vote_co_a8c066" ON "feature_requests" ("vote_count", "id");
CREATE INDEX IF NOT EXISTS "idx_feature_req_priorit_ae20cc" ON "feature_requests" ("priority_rank", "id");
CREATE TABLE IF NOT EXISTS "feature_request_votes" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "request_id" INT NOT NULL REFERENCES "feature_requests" ("id") ON DELETE CASCADE,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_feature_req_request_e0af66" UNIQUE ("request_id", "user_id")
) /* One user's vote; the unique pair makes a second vote impossible, even under races. */;
CREATE TABLE IF NOT EXISTS "drafts" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "key" VARCHAR(64) NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "content" TEXT NOT NULL,
    "image_ids" JSON NOT NULL,
    "revision" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_drafts_user_id_c8fe78" UNIQUE ("user_id", "key")
) /* One saved draft. `revision` grows by one per save; saves are conditional on it. */;
CREATE INDEX IF NOT EXISTS "idx_drafts_expires_f4dcfa" ON "drafts" ("expires_at");
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSON NOT NULL
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
    "eJztXVtz2zYW/isYvdSZSTOxHDteu9sZO3FabxN7x3Ev07ojQSQkYUWCKgFa1nbz3xcHvN"
    "8kUhdaYvDQVAZxAPA7IIBzxd8d2zGJxV/9zInbOUN/dxi2ifyRKn+JOng6jUuhQOCBpSp6"
    "soYqwQMuXGwIWTjEFieyyCTccOlUUIdB1QuGsGE4HhPnqE9sTK0+ohxx4bjERMxxbWxRLn"
    "8eWM6MuMjAnLxA3EEeo395hBHOoT4Uf0sZJ4xTQR/JK+jddAzZPWWjbXfkV+kJZ0TEWIH2"
    "x5+ymDKTPBEe/jmd9IaUWGYKU2pCA6q8J+ZTVXbNxAdVEd5h0DMcy7NZXHk6F2OHRbUpE1"
    "A6kkN0sSDQvHA9gJp5lhWwJETfH2lcxR9igsYkQ+xZwDCg9gcQl3V6vZvb+97nq/ter5Nj"
    "ZkiRgD0oMhwGE0EOlau3H8EQvu0evnn75vTo5M2prKKGGZW8/eJ3HQPjEyp4bu47X9RzLL"
    "BfQ2Ecg6rYm8f13Ri7xcBGBBls5aCz2IZI7i64Nn7qWYSNxFj+edR9vQDKXy7u3v14cXcg"
    "a72ALh35sfqf8E3wqOs/A7xjfOH7Vr9rQJykaSHKlUBegHEW4inmfOa4Zm+M+bgOzjnCzY"
    "AdFsRoxwt643B3j48r4C1rlQKunqURdx2rZEJfMc9WYF/LMWFmkBzoIW1zWKvvqVMPbUVz"
    "huDfB2Yd9uQG7jqPUJT444Fh06bsDKn/ZbfRKtw5PKnAnMOTUt7AozRrKO/JQ4TcbfP8uX"
    "Qk9JiV7JdJugxvBpJwW8wJF6ItfAgLoL28vf0ILduc/2Wpguv7DMY/f7q8ktgr6GUlKkhy"
    "Q40BN1wCkPSwyCP+Xj4R1CbFkKcpM5ibAemr8Mc+rkTyBc1bZs0DPi9gyP31p6vP9xef/p"
    "3iyvuL+yt40lWl80zpQfa7iBpBv17f/4jgT/T77c2VgtfhYuSqHuN69793YEzYE06PObMe"
    "NhN7Y1gaopbe1qfmilxPU2qu7wrXQ4wSbFejB3FkOEmcnaFggI3JDMuTQ+pJYoMkQ9nrWI"
    "o5Eyn9FCzFAf2Hn+6IhRXC+ckQyJB3flv30NQeTocv4QcQlsbTIsaLOYIOqaGQWBOum0RT"
    "bYWL2nhE1sTpGtpoK0ADyxmtic+lbKKt8LjkkZKZ3ISawynYVPcKJkCnB1jx9ZclgOkuaK"
    "r10+p5MNvHKeZDtvYJARppKULUJPbUEYQZ896EzNfd9eLWfiLztn6IQylYei6R36EcMxdr"
    "YvbBb+3Ob+wrwaz3KGfJRoH7RTbYVvBMFw/XnWbvoY02AQSCotN1ykTH/CO7a2dLMJOndD"
    "PoG3oqEgoLDI9ZobHcAJkXVZdbIm8ZQQEdUnTnyHWE4q8sf5QlHFGBMDMR5VxOfiTGBDHy"
    "JJAjSSlTf3M5ZNmDTa153ga5nS609XG3rI+Ks7XtNmmq1lnITt5UMAqcvCk1CsCjtI7a/w"
    "J6RVO4HOUU0basNW2yQ2pLQDn0+6kTrmIJIE9TKltbgetpyhZyfU+4XKD5z7PZP3Os8nGn"
    "KTfA5t2U4lvBZbD3F26TpSe9BMXy494efLObOPHlTGZpgPPofnBcQkfsJzLP+Y4Uy4qhX+"
    "WegVsmKspiF88ioSM5qeS7yzcmvvfBu4vP7y7eX3W+lNsgtyl0pkxrBUJn1vRWLnTm7H3V"
    "ZE7ySJiU+UxTfvLgfyocJewBXC/R0HF9GTDRNrIoD4REwREcQpCN3Qkvljc31/wDe2C/ul"
    "QIwtBgjvouMcDPTHXQD4VT+cKMg9ONbMgZqiJjjNmIoAPo1nVmaErcxHhgIC9eIu48MKis"
    "Ogc/W8eewgxR40ezMbUIuiMmVU64pjNjaoSMEJPL0cthWniOBo4zmRAyla9fJhn/EX2tat"
    "ydPzOicvwc3hz2tz9rSc+XdPS1CND/6HaPjt52Xx+dnB6/efv2+PR1tK7mHy1aYC+vf4A1"
    "NrVBLheztWRSzqD2SibhV1n7vIr1YXUfDqtqVS48rS5aWZNUbTqxNrLEaklBSwr7JSnkFo"
    "wNYHrriYHzdBW21lJokwvlLklhSfQLhLAMc8plMEdV9GWS6hGIvow0w1RIjJVQdCD/m2Iu"
    "XqCpN7BCyUjKTiCj+NVluwTbhYGG67QHUlbf/y35pGIUh9SypKQ0GxNfxvKFnTHmfmN8TE"
    "BWOwfT4UDKZHZgN1TNfhNUMhA1t2Et1PJOU/KOAjCH/wKDYlC/hfFfmzcmOobhue5K0mSG"
    "tIXiZJvkC7kVODXPuEmSlQ65OyYubsb/IYaUe4P/EEP0JvJ96ixQWboWLlSbt8eHoNWawW"
    "kiLagVTGLsmZQEAkIa1X99vr0pWRgSNNllnxoC/U9ps/cQ3AXIARqptT6crAefLn7LzuN3"
    "H28vs4s4NHCZAR/OPHWAD+tr0NcAPZIdVjjzZGkb0ak2eeRv05EnEiZrbc5JopV25l079W"
    "xhY14pjFaHhT6rk7kfIlqgY4piR8u1S3GIajXTvje1HGyCdgYIER4K4qJH4sa2djBi20Rg"
    "2NFAA0SnkfE6Z8lfuTVfpTTG3eOTPoK39vVDQeqrIZjWD/rf+RW+f/UdeRLf95VJHlGTMC"
    "Fbt4LOOZK1XJ9UjuEcEWyMH5j/UJZSy0IjIrhyHQAjPdj7B8TAHifwN3H5mE7RwWzsIBvP"
    "ERZCNiBrvwA9FzgGBC/pas/2HfRs96dIrW0komifs/UWXNrlp1g3r1aSpoUS9GmV9GWn5d"
    "nLTnPJy2R3AowgdfWpWboWgr15dcWMmqIgDKZ0JY7qayVFgZJiTOhoXCCslcIZE2g8izSX"
    "9L+kN5gXxsSWK9NSRBpXnT6sFtTtdc1T5/t6iukkif6SlvsPKbzy+GoHorSXS3JaNezlsj"
    "Rd0yfM5vcO/FuRV6vmbHpWSXQBp9Rr9TLKl/AlwbUF1v+CpGCOqxgwIfMI3YDFEXOCZ4oo"
    "eCbGruONxiFJL26wcGLI8l5W4v+yUJ+kRl6gTgrfqFybFE2QCj5KCNbqV6j/SFxIHNRHI9"
    "eZcTSjYgx+Pu48jLIAFdDIk2DwoHzmUgHBF7Itm3JBDWQ5xkTy7kWB69JWulHqp6TFwE+8"
    "TiCpgVJEDakLEScqAS22gsAO2SqynUfCfUUX8JcrnRRGFn0kaqQIgj34AwNt09TCRpQiIX"
    "B5UsEkym0KozB9E0SlUBViEmS8reoW9YcU8bDw/FNfxv4h55qsnayRPsjAc62qajQJAxVl"
    "6ZxL3KVCghbK9d3XVbQoslZ5vuzXOT0Kt7xRLVVgUL91qS26lVLsdxek2O/mU+wH2qY8wP"
    "fkqWRpSJC0Yg4vEo2ufrtfbBCPJKOPtzc/hNWzVvJixeBY2AWXRyzFPaLT4K8APnkyiDst"
    "mO8LLu2ISVoBeUYXW2nNPlqwZh8VrNnR+SQP8vJbDhLnn+buOZgSZgJq9UAPyc5Q8OOBhc"
    "e9s+jg98BcAn5xUBb+yp6Jq7Bq8xceaAXaSgvTDinMKnnm6IT7XwWbuTewIW3CKozO0mpW"
    "7zSro2zRK6VUSpLqMPXd5jMcFyQAPbnfct/7rqq8UETbBg/LpkWGvXNg3hlu7NvXFqija6"
    "hJExTN2RUPt8TKzce6SETqBsElabSptgDV+P6R4qS0pdDmCXWU4VJLuD8f8yhrU3jaFJ76"
    "bpdn00jMxeaw3bGZWxXa/HebwlcOA938/PHjImeDNPD6Rp7SiJDnu15mbyDamOOKwBvxW7"
    "nH7XdbCd4x67USu/6knVYksiUuK0l3lqzLSsiPSg4r+cNz2b16tRm68uV6e8XS6C2rMjXp"
    "bVSHrTU9kXzGLnVFihb/Epek5Oaw2DUpfeFZFR+lQOgCDxus/HO+4UiQJ3EW+AiFdpew4k"
    "vl6iPLZF1ZSkwVNTaM/XsKUtpupRflocQ8e0Bc5ZsELkRhN34xwrbDRnHbETbo4BD9M+PB"
    "9OI88DAC/vi5a/3ktpEPkgp2U3Yp5LhBJB+FjFE8MkSVJ7AdBJ5l/shyGWy1n1GTfkYBE6"
    "oDGxNoKS8vRA8wJ73amGaoNLB5YLU/3Lb94bTHVuMWgGJJpTxvTFi/+bwxne+GHvOz4g88"
    "agnK+Cvo7/tO86zYSjaZ8BRcix8pIs2UjTNFu3tpd689dw5pcbyk9hX5OqzX2lfk+U+K2u"
    "Td2Ya0rvSYdTBNUGhEtRPBMzsRhJrUNc3cq0Zo78YavNTOnfhmlzsQaL8M7ZfxzNBu3C+j"
    "OWeDPUF8qwk6A7AK7JcxjBUslwHTqiXqNIkRJAdggVER7HJOPm/AmbINQuJvAVddUqs4Ve"
    "ea7em8l7tl5AvZuaomLUm/y4r+zj4pzVYRprUIvUZ4vFZSfoVKSi3ib0nEr6mMylBp4b4Y"
    "WNhl6wOboNLAaq1J81oTN+GVuQFYa0QA7NjUrSPjJ77aygqUBjVTe4xsYqOprTrZpmoA3O"
    "0L9AKBF365UiD0+6nixGw58uUNzAmChGXnKDi8gvDue/l6nBS5JVem08L9bgn3dS9c2Oxl"
    "CzuUx67xO5E2FrGkU+1uINVu5ExZPdFuHM+0VszS8iS71yaxp44gzJj/pLrO396UrrFwO6"
    "BxXXiTyltDcGGSFK4lA/34E5fIGSAXdxubxE+TixnqJwbzrRxNv2i/WK+xwsAQLziYAHfW"
    "igrRl3rDsyYu9Z6QAnte+d4TVN9lHfKqLvnHx1Vc8o+Py13y4VnG/9Vw6t3xExG0EOHD7m"
    "kVFXz3tFwHD8+yN1axEXGnLi0KfFh0aVWKrIVob/5yMN8dW4JoFkzp8ttq0lRaI1uoOORT"
    "2QPpDRyzYDkuj1/IEeoLideIVojQHBO4AbJWJEkRrWbGGszQ1r7y5ae91j7yNKWytRW4nq"
    "Zshuv6QvAV0w7zutbHBIU+QSy3kIWCuHaBXWRpSEyqhi/pWqhr+iC3L88ld74yplOga8rU"
    "eLlI1zT06/YC3U4Nn8SAAm5jcgSRcHrMvzlpQqYCLjrigkx9NVH/F1mjj9RdTZRxahI/hY"
    "ksBa9CxrGKISr2VdxSP1UuVIo7BIrwEiUpFjouFfOebHESPtA2kSZtIjpbxLazRSRHlsO5"
    "3IUxQ9YKtJt2ZNz1qPjcQrLBoHjDkIu68u8Nfj3Ibg2LMigLf8kyhxH5t/w3u2U8j69vuC"
    "WsyrQk/Q77/nYsZ3YGngQPzCYm9ewz5P//gY3paHyG4N8HJikENbB1hsJfu8WlaONOs+qz"
    "jS2rdGvOETcnaLze7i591H17Em3Q8Meivfnzp4uPH8tVlHX2iiTNDk/6nd0n0qfTiifMNF"
    "Fr5rC+Gl7rFdfQK+qLrtrG9QJFYy5Rd2h7VFdGr3T5VVEDOtnN7rA8/6XrRCub2jUX6Jd1"
    "koVqGuYKSRaq5ACAM92aGQDSKmNQo7YI9q2mAyhAbqlKPsS3slq+F7G4mm4eTBffcKX4Pl"
    "cqcJ9FaIqpi2w8IRxhxIlEyvS149SWCy2nsveXkKacSQKTuEj2RAqSnG+ni0KfUTc2Yiir"
    "lc4m/px6dy0dte2cXC0RpL8I1YxbTRLpU1OBrkH7OWz5HJrYPNY8iOZN6nuGdPXwyuRnuz"
    "xuVbuS7LEryXsXDws9SPwHC0+oJlSpcSTlGO6lUVSvUD+Mj+6jkfLWGMyRIytN5YEQKp6r"
    "f+UJ0iUITpAUWsIWBKtSUXwe3XD72w1g0gfRNQ+iOi5pa3Ec++Bb0+k0Aq6+h6UdllJ9+c"
    "cORnCU55RZmgupWflnX65N18qZcqjbq5zRpuuVtpkd4nIlu6WOfPoauKw1gjrySaurytRV"
    "F8SlxrhToK8KnrxcpLDCcZ1lCqtyQHVytN3SAwW3YNdRVyRIWiFMN5CnBj6qGggH1VuI7m"
    "ElhdDhAoXQYQ2FULluolwhpLNILNNB5E4HTW5mX/4P/ZaAfQ=="
)
