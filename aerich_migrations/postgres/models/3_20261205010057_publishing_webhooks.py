from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "webhook_endpoints" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "url" VARCHAR(2000) NOT NULL,
    "description" VARCHAR(500) NOT NULL,
    "event_types" JSONB NOT NULL,
    "secret" VARCHAR(100) NOT NULL,
    "is_active" BOOL NOT NULL,
    "disabled_reason" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "lease_until" TIMESTAMPTZ,
    "lease_owner" VARCHAR(64),
    "owner_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "webhook_endpoints" IS 'Where events of the listed types are POSTed, signed with `secret` (Standard Webhooks).';
        CREATE TABLE IF NOT EXISTS "webhook_deliveries" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "dedupe_key" VARCHAR(100) NOT NULL UNIQUE,
    "message_id" VARCHAR(64) NOT NULL,
    "event_id" VARCHAR(48) NOT NULL,
    "event_key" VARCHAR(48) NOT NULL,
    "event_type" VARCHAR(64) NOT NULL,
    "payload" TEXT NOT NULL,
    "replay_of" BIGINT,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMPTZ NOT NULL,
    "last_attempt_at" TIMESTAMPTZ,
    "response_status" INT,
    "response_ms" INT,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "delivered_at" TIMESTAMPTZ,
    "endpoint_id" INT NOT NULL REFERENCES "webhook_endpoints" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_webhook_del_endpoin_8abf7b" ON "webhook_deliveries" ("endpoint_id", "status", "event_key", "id");
CREATE INDEX IF NOT EXISTS "idx_webhook_del_status_d0f04a" ON "webhook_deliveries" ("status", "next_attempt_at");
COMMENT ON COLUMN "webhook_deliveries"."status" IS 'pending: pending\nretrying: retrying\nsucceeded: succeeded\nfailed: failed';
COMMENT ON TABLE "webhook_deliveries" IS 'One message to one endpoint (an event, or a replay of one) and its latest attempt.';
        ALTER TABLE "blogs" ADD "publish_at" TIMESTAMPTZ;
        CREATE INDEX IF NOT EXISTS "idx_blogs_status_c2c0fa" ON "blogs" ("status", "publish_at");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_blogs_status_c2c0fa";
        ALTER TABLE "blogs" DROP COLUMN "publish_at";
        DROP TABLE IF EXISTS "webhook_endpoints";
        DROP TABLE IF EXISTS "webhook_deliveries";"""


MODELS_STATE = (
    "eJztXetz2za2/1cw/lJ7xvHGcpx4nd7O2I3bzTaJdxK33dmqI0EkJGFNglo+rOjuzf9+zw"
    "H4fkikXqEYfGgqkzgg+DsgcN7475HtmMzyzn71mHt0Tf57JKjN4Efm+ik5orNZchUv+HRk"
    "yYYBtJBX6MjzXWr4cHFMLY/BJZN5hstnPncENr0RhBqGEwj/NRkym3JrSLhHPN9xmUmE49"
    "rU4h78PLacOXOJQT12QjyHBIL/J2CCeR62x8vPuPCY8LjPn9gZPt10DHg8F5NdP0g1GfjO"
    "hPlTCdoff8JlLkz2mXnRn7PHwZgzy8xgyk3sQF4f+IuZvPZW+D/JhvgOo4HhWIEtksazhT"
    "91RNyaCx+vTmCILvUZdu+7AUItAssKWRKhr0aaNFFDTNGYbEwDCxmG1GoAybWjweDD/cPg"
    "093DYHBUYGZEkYI9vGQ4AicCDNWTbz/BITzrnb949eLq4uWLK2gihxlfefVFPToBRhFKeD"
    "48HH2R96lPVQuJcQKqZG8R1x+n1C0HNibIYQuDzmMbIdlecG36eWAxMfGn8OdF7/kSKH+7"
    "+fjj324+HkOrE3ykAx+r+oQ/hLd66h7ineCL37f83QDiNE0HUa4F8hKM8xDPqOfNHdccTK"
    "k3bYJzgXA7YEcXErSTBX3vcPcuL2vgDa0qAZf3soi7jlUxoe9EYEuw38KYqDBYAfSIdn9Y"
    "y+/pqBnakuaa4L99YZ0PYAN3nSe8lPqjL6hpc3FN5P/y22gd7py/rMGc85eVvMFbWdZwbw"
    "BCBOy2Rf7cOgA9FRX7ZZoux5sREO6KOdFCtIMPYQm0t/f377Bn2/P+Y8kLbx9yGP/6/vYO"
    "sJfQQyPus/SGmgBuuAwhGVC/iPgbuONzm5VDnqXMYW6GpGfRj0NcieAFzXthLUI+L2HIw9"
    "v3d58ebt7/I8OVNzcPd3inJ68ucleP899F3An5/e3D3wj+Sf51/+FOwut4/sSVT0zaPfzr"
    "CMdEA98ZCGc+oGZqb4yuRqhlt/WZuSbXs5Sa623heoRRiu1y9KiOjB9TsjNeGFHjcU5Bcs"
    "jcSW2QbAxPnYKa8wjaT8lSHNL/9MtHZlGJcHEyhDrkR9XXA3Z1gNPhS/QBRFeTaZHgJRyf"
    "j7khkdgQrg+prroKF7fphG2I01vso6sAjSxnsiE+t9BFV+Fx2RNnc9iE9odTuKkeFEyIzg"
    "Cx8jZflhCmj2FXnZ9WXwezQ5xiCrKNJQTspKMIGY5tMyTYCKIfVS9d/fLgHRkqFfsG6xAn"
    "1JyNpo7zOGDCnDl8Y7B+V93dhb11dYZxk9kzx2fCWAwe2WJT4TPp7Re26CpmY0b9wGWwHc"
    "KYvU0n2k+qt4+qs28Es8ETzJKtAvcbdNhV8EyXjjedZm+wjy4BhPYap+dUWXCKt+yenb9C"
    "BSjLZvhsfFKZbabE/5+33VTHARQtRqsDAu4FIyEdkXSviev4kr9w/QmueIT7hAqTcM+DyU"
    "/8KSOCffaJA6RcyL89GDI8webWohgKsJtH6CCAdgUBSM42dp9mqTrnqH75ooZv7uWLSt8c"
    "3sq6itQXMCibwtUoZ4h25TTtUjiAdshVQ3+Yrpk6Djn2ecahtzW4nqXsINcPhMslDrgim5"
    "XMsc7HnaXcApvbafvoBJcx7KZ0m6yU9FIUq8W9A/hmtyHxFTzXWYCL6P7kuIxPxC9sUQjh"
    "KtcVo/DmAwO3SlWEyy6dx0pHelLBuysbqxTWbj79ePPm7uhLdSjAbpVOuZJ9Yp6nXrxE7c"
    "y0OF2ueKp10VON68aiE8uZgHZ3HCqHz6QyEOp4J4QBY00yWmArJwBd0AVtEeAkJkBoYCcl"
    "Uecbd9kXfXFjGBh+rtRoYlDXXaAKyt2wI0I9MvS4OXxN2BODm7AQTZnwMWIA+g/NTvAQ5x"
    "E127AxCWZ9AZoqI8eUzFxuU3fx7JEt4Lczyqq5QC8fSbETaiqFGGfSySmGyFMcP7D1Gb4D"
    "lYPtC/Wm3ENVO8DAeorqs4Edez6IbMQZk7njPgJSJICxWqhzh3LLGbkBlXyO1IIxxMgBAY"
    "/Mp9xioJf3BU0hgh3JoYVgGFQQD/qzCLxFIFSXphwo9OkRxzKZixTqBS1HTBAdWO89DvMn"
    "6jxklcXHcvMk1EW2SJcEDATuCDZHe4An78xd7vtMbGoJaIs21SKVdVvKVLWlQO/M27HFtF"
    "KibRvUhy7SNggd3KW8kImIK5EW8hFz1bJCIUyvno0aNloBm51pAp64u/mONA7jynBKxo6r"
    "bMapvmEn8UKjso+bIuyAsOM+euX26e11jwLE72p3Qklj6DID00PkA4bRLg8vLDwqJQ61nT"
    "JiwAY5AdkAH4t78Qw2zWQ88eYPGz1uovhwTI9z7BlukXL84X79kZlc5s6ZzlzIEeKeDjs7"
    "7MfMogsyArnkkbEZvH7V/vlHLN3LcR/9mdtQk/v45rh6/NnI2n7LJ9+Kwf2vvd7Fxave84"
    "uXV5cvXr26vHoer/bFW8uW/du3P+PKn1l9VpvltSWzmkHdtWRGX2VjaYBq41ZbJYGMpRpX"
    "5VIZetnKmqbqkhy9lyVW6y/asnhYlsXCgrEFTO8Df+R8vnvqVhxsHtr0Qtkmq20a/RIlLM"
    "ecah3MkQ2VTlK/cIjSkeaU+2hDRKXoGP6bUc8/IbNgZEWaEehOqKOo5tAvo3ZpfZBN+kMt"
    "a6h+D9C2CurOmFtWZCvE9krZmVJPdeZNGepqr9HsOQKdzA7jjGS334WNDMLNXUQXaX1nX/"
    "qOBLCA/5IApLB9B8s2bD/4yDGMwHXX0iZzpB1UJ7ukX8BW4DSUcdMkawm5LVMXt22j94LR"
    "v5nhDx7hfZosUHm6Di5U24/fi0BrNIOzRFpRK5nENDA5CxWELKp//3T/oWJhSNHkl31u+O"
    "T/pDX7AMFdghyikVnro8l6/P7mn/l5/OO7+9v8Io4d3ObAR5mnCfBRew36BqDHusMaMk+e"
    "di821X2K/F0SeWJlstHmnCZaa2dum9Szg415reo3uprLV01KU5VdSmxMccmXautSUlmmnm"
    "s/mGGQG1pnkJDQsc9c8sTcxNeOTmyb+RR3NLQA8VnsvC548tfuTZmUprR3+XJI8K2VfSis"
    "WDtG1/rx8HvV4Iez79ln/4ehisfjpgr+s8KHewRauYoUxvCaMGpM+0LdDGPlJsxXsYHopE"
    "d//4gZFEMR4W/melM+I8fzqUNsuiDU96EDaH2Cdi4MDAhf0tWZcC3MhFNTpNE2ElN0Lzlr"
    "Bylw8Ck2LYebpumgBn1Vp+rwVXXR4atCzWF4nI9OkKb21DxdB8Hevrlizk2/JG22ciWO22"
    "sjRYmRYsr4ZFqirFXCmRBoPMssl/x/2WC0KK2hUW1MyxBpXHXV30ZQdzc0T8r3zQzTaRL9"
    "Ja2OH5J4FfHVAUTZKJf0tNpzlMvKKqvvqVg8OPhvTV6tW2r1q2qiSzglX2uQM75EL4mhLb"
    "j+l9TydVzJgEe2iNENWRwzJ7wnicJ7/tR1gsk0IhkkHZZODLg+yGv8X5bak+TIS8xJ0RtV"
    "W5PiCVInoRTX6jMyfGIu5qEOyURmIM65Pw0zNcMsCzQBTQIAwwuvYz4hJl9AXzb3fG4Qyz"
    "EwV/KkLMl0F4+R5qe0x0Cdl8T8JKIJH0vG3IV/Jw6LQ5aOqU/UcRIU5pjjYuZn1JPsB0Or"
    "aF94BnQcWDK7k52EmSEwLGI7T5hWiZYynCBelGTKn8JnYraIslbNLGrEuarh89GT1BdylJ"
    "REZVsxrYXLHJXwpIu6cVV/gI5I/UCJjTkHCkxWaJ1ukZWEivcTGBpmqGgr2Kb1oLhfdcBL"
    "RSRWRNBBk0HveR0DDbSqPkHnecFE41nBpJGVMWzfuZTlXq1Dt3pLDt3qFQ/dCg1ZRYAf2O"
    "eKpSFF0ok5vEzruvvnw3Jfe6x0vbv/8HPUPO+AL7c5Tn275Di5lbjHdBr8NcBnnw3mzkrm"
    "+5Jj/BKSTkCeM/PWWrMvlqzZFyVrdiyZFEFefe5ZSq7Z38lnMyZMRK0Z6BHZNQl/9EUkCF"
    "7HImFfuAxD7vBa9Csvbtdh1faPQNO2ubUWphbZ4moF/egjuL4JNnvByMaKDOswOk+rWd1q"
    "Vsfnx6xVCydNqjPg283nf6uKbQPYbz0V2FdXXyij7ULw5r5VhoOLjW4NNw7ta0uZUdfjs+"
    "byAXA59Gc0MIanKPbnmD7fESu3nywFiDTNokzTaF9/ea3D8NzJ8rqdldAWCXWa6spQCjUf"
    "iyjrWIpsLEXmu11djiU1F/eHbctmbl1oi99tBl8YBvnw67t3y6JVssDrk1grU4q+3rGiBw"
    "mRPle0AqSthYf5dCvRYQ+0+8Fh4TvmY8OSALtsaBggWxEYlg4ayweGRfyoFRZW1DCqDp1v"
    "zNC1T54/KJbGb1mXqemYviZsbRjvpxi7MuAv3iErAv/SO+jyAMDsaeB1IgFDzRTD0KgMYv"
    "vOIz777F9HRzaELsio4amMh4Nr0BauMlPmZo6TILiSwtE7eYqMAxSBPWKujADEQLvoMeoy"
    "obYjJknfMTbk+Jz8TxggGAUEnrwOw/CQP6pCtCohHQfqyZRS6aKVsYMyX5ZjXTYv9slWl4"
    "kehfGbamSFOtE65G6fIXchE+oDmxBoVbhoaRhRjw0aY5qj0sAWgdWhobsODdXBi3t3hpVr"
    "KtXVmaL2+6/OdPT9OBDq7IlRwC2fC+8Mn/fD0f5ZsZOaTZEU3IgfGSLNlK0zRUc+6sjHA4"
    "+T6nBWsg6b+jZc/Dps6utLijou4GgX2rq0YzbBNEWhEdWRFl850iKypG4YC7BuHYR2rMEr"
    "gwFS3+zqKAsdvFIPVB28cjjBK/uLyDgQxHdaBjcEq8R/mcBYw3MZMq1eOVyTGWEFDRE6Fd"
    "Ev5xSLa1xL3yCW1/fxQFlulRfE3bA/XV22XU6+iJ3rWtLS9G029B8dktFsHWVaq9AbVIrQ"
    "Rspv0EipVfwdqfgNjVE5Kq3clwOLu2xzYFNUGlhtNdm/1cRNRWVuAdYGaRItm7pNdPzUV1"
    "vbgLJHy9QBI5vaaBqbTnZpGsBw+xK7QBiFX20UiOJ+6gQxWw68vEE9RrB232sSCq+ovKso"
    "38BjZWHJtem0ct8u5b7psSbbPdKkRSUd937y2NYylnRB6y0UtI6DKeuXs07ymTbKWVpdyj"
    "pK1ytZ/FOZfNUbQDppsM4mELZPzLeqxjNx2cxaEB8rNfvO7JnFnpgVNz5WlZ0zreTP0nrW"
    "234E5rC8QajD/BLPGfvXZKjQl7Wt/xL/MVoMiTwsjfkyOQZt0CPHXMicFfkEb4pnpNEJzC"
    "dVmRoTWNDKkapL7U3pjJFjfD5n8KdPFySAT8CVQ7cB5rjmNbIEuO24nqSHaxmbd18MDehD"
    "4DnAMgHHmDoeE2S0kENT92RJbTzVDYY4jxC5lgAArLDTqh1XlQSXp8jBRIGej5Wr7ZTEjz"
    "gZwpYsTJXnozZnGCnh8AHhGzpjeYocJudQYgbwdgb0W52Pk7g84ycUknKSrJ3opt7g97XB"
    "48xuYiaO2rfZUt9eK3H8CTQQqTJEXbDN7/o4Pm2Lr4a+u7Z4TF1di+kZQh0s3OZg4URea8"
    "rkLKXmcpu5rMORtyf4aV/l7hBNFMZmuBbotFutCO4MVPAKUbkS2AyNBlX7KnWEd1tBbRjh"
    "rb7sLcBav7RZy5aCusBm1sDVwCZ7kfb9rkC2sG1vFDgvzcJFzHdTpu9AEN9p5PzvbDR1nM"
    "c3DEtbuYujEm9JvsnpMq/JXDXGKYCtQ27Wi6i3mefBKNFFgbZ1JsyZw9GDQQXW6RJpdwdd"
    "oM09dhagbwFdU1hRy/eZPfPLg+y3+whZA0ySoXcrLgMmr3yH3g2XUZtwEw/ipOiLsOE+9Y"
    "nnuNAZVTXIXqNnIxoIUIVD9PpCuVtgdEA+PI6fc0qkO8JxTeaeobfGDGZMDcCmj0yNAWdR"
    "YDMXOuQCFiDoxIQxO1g7pi+Opa8jHB7WD6MmnkZqMSr9GgY7qX0KaDRybJ9Uf4gHG7kvss"
    "d9CnjvQYhi8zM/b/nkW3Fw/LXXu7h41Xt+8fLq8sWrV5dXz2Nht3hrmdR7+/ZnFHxP09aL"
    "OkkM0dxqYprPUnUu5uG8ViWo8yWVoM6LlaDCr76hEyRL1Qnn067dIGplagZzmqaDIL+4qg"
    "Hyi6tKkPFWGcgNl40MkYa5NswSo8Y4R1QdBHr7i8aMLiyHlqwZ1REBKZJOQLzvoAAlgQ+c"
    "cTP5L0PWIWPnXgRBXQUOq8BhbNhCXop+9UGXMgzGTMxojX/2xZhyCy+p/+cVzlqy5NZTXE"
    "OtqoR31V7CFMn+XFrPd/vBbM3lktdVC7gud7GXkHcwgqZLjnaLepswvIRcB1a0md/Q1Qze"
    "jg2qNr0lwkaBskMixxaTbEOY7LXAtTWwFcDKpYa5bplrtVozyVJ1IXRWl7VoDSs6HEobur"
    "TWDbTM0GqJoM0SQeTTahZnlaPSwYGrQ63SzsMNoyxCL/VdqscDw7puxEVunpVHs3ydZPs8"
    "E6qjCdJ8Wh1NEL1yzWCC36ew1Co3vDy2C73deEgDM4mcoDKR8R/3nx6YeUo8mGZwQ6YADj"
    "0GO7Q/JMefYLqZgAcJx+uVJGTu5jEYVPCA7nnZBt3zj2zmY7QA/BwxgwYeC48tC3cVmYOZ"
    "7p/70WliKicTPfqnZD5lQp0pFoc9YNqkkkjOyBC9/2wQCJ9bw7+EfwE1nm8G00vGS8wd9x"
    "FzNX1M14RtKhoBxlNAx30R9YxP48Y0lfmZBIRgOIMKXjg6rRNjoDMf95n5GLhWE2dS2LwT"
    "Lo7CgU81T3xaeuRTwdOfHlwDoHNkezSsN7Sorwn3ZS20L5eAfVnEOnF1NjpjKEemTxlark"
    "Gvc8qQ3NyazP+EooNrzU5Cirg3ACkJNt0SD6rjwP4uKnbKNF0O7BEQ7grtaBfd7/S+vb9/"
    "l5net2/zFqBf39/eAfoSe2jE/Qqnqck9fH9zjTNbSki1YU4b5rRhro5hLpiZa3I9S6m53h"
    "aul1jpwtGnnB+JutrYRZsl1cbY9rC5xB2fGCKayIs5si7spruOcpRgNbN5p0m0wXu1wbti"
    "Gus82KyJOz2tmtq3Cw67jTMKSxLgOoL7TlML30YJZ8biF1aaWZhrcbrMFcCTtpgjULssI5"
    "blYyaBDQkQRSs9JvcBUzyf2NQMS/9RQYapwTyD0QzLCjBu1llpJcAg/JIx7yFfAVBnxbUy"
    "K65hXkt3M1p6l5d1LOSXl9UGcryXMw0aTrN8lpiggwif9+okDUGrasNgr5A2NIbnM3fmlj"
    "req3HOkXUQ7e2L1CowFEA0S6Z05XKdo9KC9bKg0vJSrdXOnQLh/t07X0fz34kjJ0ZzykAA"
    "chu52cpoNTM2YIY2f1cvP4dpCK1V4vXzjENv69R4zVDuh+tf4ZiDtjO5lhkU9cRmtrkUhZ"
    "YgVpvmIkVcW+aWWeZSk6pNgac/wfYVuOyjMsYcldiaci1Ol9maxqrtILTtNChhFVKckeGT"
    "4zOAMxD+MI7h5IJ4PpuFQaC/QYshcZ25LNHETSYDSJEOj7gQHpUBQOV1rHb0nDoFn5IHIk"
    "VU2wnUQsfl/mIAPT5GN3Tk5j4jN33uW40MJzFBB1X5Xt3gzWWxm41CN5cE93yt0M0ORfa0"
    "vSBFYSHZXj0KahiwqMsD1sNffXisYXGB16JfcM0RDP6Gf/NbRi1L49YrUURbwrpMS9O32H"
    "1/ZDnzazzKsS9sZvLAvibq/30x5ZPpNcF/+wIofG5Q65pEv9rFpXjjzrLqk00tq7q0eJ64"
    "M+VDLnqvXsYbNP6xbG/+9P7m3btqE2WTvSJN0+JJ39p9Iiud1pQws0SdmcNbs7Vru2I11N"
    "21K+qw2q5xvU5YbeR7nFIxWYv5pR3oENv2sLz4peujpba1ay6xL+szUOpZmGucgVIn+BNl"
    "ug3jPrMmYzSjdgj2nYZ+liC30iQf4VvbLD+IWVzPNo+ui+88afh+LU3gikVkRrkbnpxAse"
    "qCI0xlHec2LLQeh6efyioP4UnV8CTmlZvlt/+I0phRN3FiSK/VRnGj2u6+od1da0ddk5Pr"
    "aEfRItTok8oSaampxNag4xx2LIemNo8NBdGiS/3AkK4rkmY/29XHx+lQkgMOJXnj0nFpBI"
    "m6sVRCNbFJA5HUo0/MJJLqjAxd9sQ9uDskExmtMVrIolszEAix4Wv5r6oqhhIkx56oBW0I"
    "rzjubMv97zaBSQuiGwqiOi9pZ3kchxBbs6dCXTuJrIEn+qVH2VZ7SlMknZjC+/aUcludHN"
    "coZSNDpOuiLWfKWuk0aotupFMmJPvTf85bvUdq48y3bZzRruu1tpkWcbmW31JnPn0LXNYW"
    "QZ35pM1VVeaqG+ZyY3pUYq8K75wuM1jRpM0qg1U1oLqEe7vsQE/MLdchqs0VKZJOKNN7qF"
    "ODH1UDhMPmHUR3J8WrKw1C1baJaoOQriKxygZRkA72uZl9+X+S29MM"
)
