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
    "eJztWltz4jYU/isaXprM7GYSQi5NniAhXbqbsJOwbWebjiNsAWpsibXkEGab/94j2cZ3gl"
    "lIgfIQYh+dT5K/o8v5ZH+vONwittj7IohbOUPfKww7BC4S9neogofDyKoMEndt7eiBh7bg"
    "rpAuNiUYe9gWBEwWEaZLh5JyplzrDGHT5B6T5+iBOJjaD4gKJCR3iYUYdx1sUwGXOzYfER"
    "eZWJBdJDjyGP3mEUaEUP7K/J4yQZigkj6RPdW6xU1onrL+shvyXQzJ+0QONGl//gVmyizy"
    "TER4O3w0epTYVoJTaqkKtN2Q46G2tZi80o7qGbqGyW3PYZHzcCwHnE28KZPK2ocuulgSVb"
    "10PUU182w7CEnIvt/TyMXvYgxjkR72bBUwhfY7ENkqhnHT7hh3zY5hVDLBDBEx2gOTyZka"
    "CNBVoZ++r7rwvnpQO6mdHh7XTsFFd3NiOXnxm46I8YGanptO5UWXY4l9D81xRKoOb5bXiw"
    "F284mdAFLcQqfT3IZMri65Dn42bML6cgC3h9X9KVT+Vr+9+FC/3QGvXdUkh8nqT+GboKjq"
    "lym+I37V/NbXJSiOYzaQ5ZlInsJxmuIhFmLEXcsYYDEow3MGuBiyQ0PEdrSgvznd1aOjGf"
    "gGr0LCdVmScZfbBQO6yTxHk92CPmFmkgzpIfbtuNbzqVKObY05Q+r3ntkHBmzgLn9SptjN"
    "PcOWQ9kZ0v/S2+gs0Tk4niE4B8eFsVFFydBQYUASAbttNj4NDtRjVrBfxnGp2HQBuKzghA"
    "vREibCFGob7fYnVbMjxDdbG1qdFMdfrhtN4F5TD05UkviGGhFuukRRYmCZZfwSSiR1SD7l"
    "SWSKcyuA7oUX67gSwQNabWaPgzhPCUindd2869SvPyeiclnvNFVJVVvHKetOel5MKkG/tz"
    "ofkLpFX9s3TU0vF7Lv6hYjv87XiuoT9iQ3GB8Z2IrtjaE1ZC25rQ+tOaOeRG6jvipRDzmK"
    "hV33XsmR3mMsd1aGLjYfRxgyh0RJbIMkPWh1ADLnEdRPzlIc4K8+3hIba4azgyHQkLd+XR"
    "1V1RoOh5dwAoTWOLG8youYzRY5VSdtwQz39SOptlVLeZzl6PI0p8X6PBvJ14V6mxEU4JDG"
    "nSOXSx1msD+BBfSxRJhZIJOFB3cghREjzxJxgFKm7wV0GVpwqD3OSvTlNLEV56slznVkS8"
    "uaJGrjBORxbYac+bhWmDOromQK588AI28IF7OcAC1LzGySTN8mypuWMs2SKJPnIYXa5oh6"
    "ErmBUV+TKOckxtkw+znHPJM7iVxAmINRuY3y4qOsjsNyt8nCTC+GeD3dW4M5u4iML6Mokw"
    "Rn2b3iLqF99pGMM0er+ZIxfO24ZuQWSUUwu3g0ER3xQQXPDk9M/MO5i/rdRf2yWXkplujL"
    "FJ1tT3b5c/OJ6I5nNGe8+N00ycm1o0GU5+yvhrU7GmEqgWLU4y7agb8hFnIXDb2uTU1fHU"
    "qupZ/vDvUS7OS+Af6R+u7ZPXvwryFO+uVxj9o2sdBoQHzp6RIbjxGIFL8yMYBCKs+VaO0S"
    "kzuBYtXV/hQ4mYhay9CpDdr/v0jVn6vVw8OT6v7h8elR7eTk6HR/soJli6YtZY3WL2o1S2"
    "xFMwhaRWCG/ylSNvDfwBdzi5ex3DQ9150rCUtBt8n2SqdhsBXwknlYHDJXIrZiWfViTt4i"
    "SoXX/ZuY0niE5ymzQKVxG7hQLf4kKCSt1AhOgrZiImcQY8+iJBAGSVZ/vWvfFCwMMUx62a"
    "emRP8gSM7WkdwpzCk2Emt9OFh3rut/pMfxxad2I72IqwoaKfJVzlOG+NB/S/oPkD7RDnPk"
    "PGnsmxw9vWXKv0kpz0RMltqc46C5duZVy3qWsDGX+L5hmYcndeJSc1DJOTcJSt5NOzLBkc"
    "9rZyXFZG/ffq/W2+8n4orgy5hZZ3wMsoGZ+FK+5VWTqgTDgfsGsnuwP8vn/+BV/DXufubz"
    "f2hRBge+syaGMcg2NyyZG/6nm9nLv/M7VHs="
)
