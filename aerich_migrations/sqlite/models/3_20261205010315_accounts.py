from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "account_tokens" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "purpose" VARCHAR(16) NOT NULL /* verify_email: verify_email\nreset_password: reset_password\nsecond_factor: second_factor */,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "email" VARCHAR(320),
    "expires_at" TIMESTAMP NOT NULL,
    "used_at" TIMESTAMP,
    "attempts" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
) /* A single-use token sent to the user (mail) or handed to them (second-factor step). */;
CREATE INDEX IF NOT EXISTS "idx_account_tok_user_id_be4670" ON "account_tokens" ("user_id", "purpose");
        CREATE TABLE IF NOT EXISTS "oidc_logins" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "provider" VARCHAR(32) NOT NULL,
    "state_hash" VARCHAR(64) NOT NULL UNIQUE,
    "binding_hash" VARCHAR(64) NOT NULL,
    "nonce" VARCHAR(128) NOT NULL,
    "code_verifier" VARCHAR(128) NOT NULL,
    "redirect_uri" VARCHAR(2048) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "callback_at" TIMESTAMP,
    "login_code_hash" VARCHAR(64) UNIQUE,
    "exchanged_at" TIMESTAMP,
    "user_id" INT REFERENCES "users" ("id") ON DELETE CASCADE
) /* One sign-in with an OpenID Connect provider, from start to token exchange. */;
        CREATE TABLE IF NOT EXISTS "recovery_codes" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "code_hash" VARCHAR(64) NOT NULL,
    "used_at" TIMESTAMP,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_recovery_co_user_id_ce49cb" UNIQUE ("user_id", "code_hash")
) /* One single-use recovery code, stored as a digest (the code has 50 random bits). */;
        CREATE TABLE IF NOT EXISTS "totp_credentials" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "secret" VARCHAR(64) NOT NULL,
    "confirmed_at" TIMESTAMP,
    "last_step" BIGINT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "user_id" INT NOT NULL UNIQUE REFERENCES "users" ("id") ON DELETE CASCADE
) /* A user's TOTP secret (RFC 6238); `confirmed_at` null while enrolment awaits a code. */;
        ALTER TABLE "users" ADD "totp_enabled" INT NOT NULL DEFAULT 0;
        ALTER TABLE "users" ADD "email_verified_at" TIMESTAMP;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "users" DROP COLUMN "totp_enabled";
        ALTER TABLE "users" DROP COLUMN "email_verified_at";
        DROP TABLE IF EXISTS "oidc_logins";
        DROP TABLE IF EXISTS "totp_credentials";
        DROP TABLE IF EXISTS "account_tokens";
        DROP TABLE IF EXISTS "recovery_codes";"""


MODELS_STATE = (
    "eJztXXlz2ziW/yoo/dN2le2N5djxOL1d5ThJtyeHU467Z2raXRJEQhLWvIag7Ghn8933PY"
    "CkeEqkLlMMqmbSMokHkr+H4934T8d2TWaJo98F8zsX5D8dh9oMfqSuH5AO9bzZVbwQ0IEl"
    "G06ghbxCByLwqRHAxSG1BINLJhOGz72Auw42vXQINQx34gSvSZ/ZlFt9wgURgeszkziub1"
    "OLC/i5Z7lPzCcGFWyfCJdMHP7vCXOYENgeLx9yRzBH8IA/siN8uuka8HjujDb9INWkF7gj"
    "FowlaH/+BZe5Y7JvTER/eg+9IWeWmcKUm9iBvN4Lpp68du0E72VD/IZBz3Ctie3MGnvTYO"
    "w6cWvuBHh1BK/o04Bh94E/QaidiWWFLInQV286a6JeMUFjsiGdWMgwpFYvMLvW6fU+39z1"
    "vr676/U6OWZGFAnYw0uG6+BAgFcV8utH+AqH3eOXr16en5y9PIcm8jXjK6++q0fPgFGEEp"
    "7Pd53v8j4NqGohMZ6BKtmbx/VqTP1iYGOCDLbw0llsIySbC65Nv/Us5oyCMfx50n0xB8o/"
    "Lm+vfru83YNW+/hIFyarmsKfw1tddQ/xnuGL81v+rgFxkqaFKFcCeQ7GWYg9KsST65u9MR"
    "XjOjjnCNcDdnRhhvZsQd863N3T0wp4Q6tSwOW9NOK+a5UM6HfOxJZgX8M7UcdgOdAj2u1h"
    "LedTpx7akuaC4L/3jnXcgw3cdx/xUuKPe4eaNncuiPxPdhutwp3jswrMOT4r5Q3eSrOGix"
    "4IEbDb5vnzxgXoqVOyXybpMrwZAOGmmBMtRBuYCHOgfXNz8xF7toX4tyUvXN9lMP7905t3"
    "gL2EHhrxgCU31MwG2oPRwOFBZo8GeeDfAmYBt9mcDTXbQYYDZtjDUfSjAjtCZJuyLM3hxt"
    "31p3df7y4/fUmx5O3l3Tu805VXp5mre9lJEXdC/nF99xvBP8m/bj6/k2i6Ihj58omzdnf/"
    "6uA70Ung9hz3qUfNJCbR5ehSiueBG3g95iDQBTLp3HmWJd3iVIuv7OxcM3yGmCwxydKUa5"
    "hdjdv14QPNG8eahjN/R6ZbuEjNnW0Tz1yS62lKzfWmcL1gkZVvj6r/8CGhp+KFATUenihI"
    "6ak7CWGUDeGp417gPjBHFCzHIf37D7fMohLh/GAI7TW3qq877GoHh8P3aAJEV2fDYoZXaN"
    "pZC16Xqq9W4+Vy0+hZ7oivCtYNdPQR+9lZ4W0+UD4zUCuaQjN4zKoTUfV1BX+2dWA5bgAi"
    "vyGRWBGuz4mu2goXt+lo1WF1jX20FaABLFIr4vMGumgrPD575OwJpMHt4bSLqzii00OsxO"
    "rLEsJ0G3bV+mH1PJjt4hBTkK0sIWAnLUXIcG2bIcFKEF2pXto68+AbGWr32wZrFwcUN5nt"
    "uQFzjGnvgU1XFaNmvX1g07aOryGjwcRnsLDDO4tVx9d71dut6uwHwaz3CKNkrcD9AR22FT"
    "zTp8NVh9lb7KNNAKEJ0O26ZUbB9K20i6YcyRuH3bnwz2I876CfK5+ZsDVwWsU1syu7A6Jo"
    "d+0MrjZ1QEM2w+6QuMgyWhDplrWclke85e21i0PfgFUkpCOS7jXx3UCyDq4/whVBeECoYx"
    "IuBKwTJBgz4rBvAXGBlDvybwGvDE+wuTXNB71t5hE63K1Z4W6Ss7UDhdJUrQvJOntZIQrl"
    "7GVpFAreSjtq1QzoFQ3hcpRTRJsKD2pT4Jt2h5dDv5uO0SrucPbN49DbMpFGKcoWcn1HuF"
    "wpxkjJHMtM7jSljiRrMpcxwLRwmyyV9BIUi8W9HZiz65D4cnEjaYDz6L53fcZHzgc2zQUr"
    "F6uBUSLPjoFbpv3BZZ8+xUpHclDBtyvDqhTWLr9eXb591/leHohTSz+vrXTKlewrE0J9eI"
    "HamWpxMF/xVOuiUI2rZl0RGftB9kLl8FAqA6GOt08YMNYkgym2ciegC/qgLQKcxAQIDeyk"
    "IL9q5S7vnXvn0jAw0Uqp0cSgvj9FFZT7YUeECtIX3Oy/JgxDKQgsRGM0Yxg4fklooYOHuA"
    "+o2YaNycS7d0BTZWSPEs/nNvWnhw9sCr/dQVrNBXr5SIqdUFMpxDiS9g8wGYzi+wNbD/Eb"
    "qHzZe0d9KReoak8whYyi+mxgxyIAkY24Q/Lk+g+AFJnAu1qoc4dyyxG5BJX8CakdxhAjFw"
    "Q88jTmFgO9/N6hCUSwI/lqIRgGdYiA/iwCXzFxVJemfFHoUxDXMpmPFOoDLdcZITqw3gsO"
    "4yfqPGSVxYdy8yTUR7ZIPwS8CNxx2BPaA4S88+TzIGDOqpaApmhTDVJZ16VMlVsK9M68Hl"
    "tMIyXapkG96yJtjcDdTcoLqXDUAmkhG65aLivkg2SrSAoCeGyxQ9yr1T4hYL+Fn/HOSPYw"
    "2Wcft3TYaXALUzdtsicYjAnzcAiPgLuwGXr7RZLDuh+BkgTaSaQE8PW3y8Pu6Rkxudz8Zj"
    "nfe9h7vHdjEx/6dm0yADJggwsSgSUlFWHBDo2W0ntHbdKRMIAL7YDCa1uMPpCpZCgSTgRi"
    "Djuq83BE+igTwDTvw2cFxGYUJBvh4Rdi1xOP+QL7rLih/plakic+jHTW+Usb3LdpcI9gL5"
    "RcFmeLJsibnJzbkel7057M5bsgyb/uHVhbWdCLko0vSPrve0dNy56alhck9Wd2BagiG60/"
    "qVR7TbbiNdlyLYaGmfW2UIxBm85bK4FmjKpLZQsKbTTfCf7SIGC2VxQpVSquJUm2p5y/aL"
    "TQph3JP7YjWVu4tO9J+57KbEmzbN0CQ1IqlbfcipRJHa4W5yhgcBxyhzzxYEyoQ2485ly/"
    "JVeu4zAjQD/MIzeZf0CGvmsTGDy+sv9I6wz7ZoypMyoo6re+rtFk9IF56LhRziDmP6LdyX"
    "ED9A9RYrjuA8fr0s8mKwNiu8sv19jnVIQNDoc+YxfyVh+uB6yPuvDMmhW9DkHw0buEbiP3"
    "ieyFRikq0KwkTVX7B+gGMsZk7FqhI+rLh6t3JKyq42PY5r0jAzbR23RE7uDn1y+XykUkPx"
    "QNZeMZRKqjvmRebwBTCGDsFz5a9W1P0FuEqj18AA8UxMqThK4+TIm+QGioZeH4JL/ffiSe"
    "RZ1AufqEazMMI4URxLCsItJcfb19v3/vGNRBZAcs5oCkwL4fuQHb6k8CP+WIvKMAAFr1pO"
    "FuZifcQ3sCxyFGLfL7F9x6xL6OTm2isSwc8XVsAEmaJpvIGhM1KZea2sasNJU2Zi00ZoVr"
    "Zm2gs3QtHNPrB1vuanVQjglaCO9x97yKAbx7Xm4Bx3sZFRk28KhIX631OUeoEa+GOMhZ3A"
    "extDfxeR3As3QtxLv74mUVwLFZeVlXeVPbgbQdSHtFSrm+I1yuZDWPVM9lZneaVHtHmsxn"
    "ZbKQYkdd2buAdC2e5VYrOrFVZqkFNE2rZ1aTZ9b2HSYNY2ar/CUNw3bH3SWpgp2FiTrpgp"
    "7z0nSyZUSr+k1ii3fUhTS7H5C80V4FtOJdjFUlpy+S8awFcbcb6L/A9p6KV53twn9pm/wz"
    "2uSXEqRWF6GapgltWorSMVtadtLBJjsjPDUN3B2XnjJVxgrkp3wdsnIJSp4xY8SNK6cvIT"
    "g/CXJ3c/cFsxB8BnLM7fsrctY9Od9/TfqA7pD7dpihg58QJt8yx3ctrJ5J6BPFRCIqZZ+i"
    "/KW1PwOjUfoWFUEPQx/kQZUyWQmzc2UwhEwEZgSbyDRkD0Mu4ngMFNGAJL4hU4qHrk/ovW"
    "PB+Fd5UjKHCeMzBMPUYgx3oUSM3YnMGp5FaPjMs+gUc4F5MOaOTKp6ginhPul4iwbKdmoA"
    "1goDiCm0VFdBqkvO5tpG5wytlu+aLN/FK3CezW/4qHSlSpG1JjD/b93uycmr7ouTs/PTl6"
    "9enZ6/iFeu/K15S9ib619xFUtxVYfva7dtRpR9Lo1q54WDleoWLNK9oiLDG9a8npUJm9G7"
    "VtKlUmchFWhS2bOSyvWo3AFN1QzR7FFqKaYJc12o+guoOiAEB1K1UHHos76JxUVYWTjAyk"
    "jUJDb1H0SxHXp93aPq9A9Voggjyvto1gb05QP6Uakn+GBHUFl2KlKllM+S7OFjMSDfQ3Uo"
    "fp+4ApQKuJcP5xjzb3vIdfn+oU53y0y4A/8DBcmRb4g1I2RZCJ+BIkUGrvvwwJgHnz/faI"
    "435XvnrOWz+/jluNPVqwAxT3ppmZ61FbFljqVdizE/oBgTzcqaLE+QacWwyYqhXJUL5dR5"
    "K2uSqk3W/y1rhg3QEZqBu/a6NFr6zy0Ya8D0ZhIM3G/vHtt1AloW2uRC2SSPVhL9ogTqNH"
    "PmpFDLhkonqerIckIdCf1EWEgWlaI9+L9HMV3XmwysSDMKM41Vc+iXUbvAabVaf9JBpX73"
    "sMAuqDtDbllRwVhsr5QdjBSSnYkxQ13tNeYRD0Ans8PDZmS3P4WNDMKr1sHT+k4j9R0JYA"
    "7/OfXUwvba81TB8+QaxsT3l9ImM6QtVCfbpF/IMon1ZNwkiQ7LzmsNYjL4H0ygfIDvqeUc"
    "z9C1cKHaQDmCELRaIzhNpBW1gkFMJyZnhVnxf/9687lkYUjQZJd9bgTk/6Q1ewfBnYMcop"
    "Fa66PBuvfp8p/ZcXz18eZNdhHHDt5kwEeZpw7wUXsN+gqgx7rDEjJPlnYrNtVncFS2QuSJ"
    "lclam3OSqI31gtexMdeIB0gWX8m4iTMKdY3Tm7O+6d1c8VY8xLmmpenaplJ0yNmY1I2Ded"
    "Yljk1quPYnHp50hNYZJCR0iAHCqrhLaAFCJ7bNAoo7GlqAuBc7r3Oe/KV7UyalMe2envXj"
    "6ngsykMbomt9r/+zavDL0c/sW/BLX53DwE11ApQVPlwQaOUrUniH14RRY3zvqJvhgUkjFq"
    "gDotBJj/7+ATMopsHB38wXY+6RvaexS2w6JTQIsAodD/bRzoWBAeFH+joAuokB0HKI1NpG"
    "Yor2ndC7gXOQYSrK3zUQTtK0UIM+r1LX/7y8rP95rqo/PC5AJ0hde2qWroVgr99c8cTNoC"
    "AVtnQljttrI0WBkWLM+GhcoKyVwjkj0HgWWS75/7LeYBqwOmcDpIk0rjrDoBbU7Q3Nk/J9"
    "PcN0kkTPpMXxQxKvPL46gCgd5ZIcVluOcklUNLbcUcG+8ok60zsX/63IqzfQzzK8amqih/"
    "ysXsb4En0khrbg+h+r8bHFZej6kgEPbBqjG7I4Zk54TxKF94Kx705G44ikN+uwcGDA9V5W"
    "4/8+154k37zAnBR9Ubk1KR4gVZLtca0+Iv1H5uMhCX0yksdQy2MD1HHdYZYFmoBGEwBDhN"
    "fxUGlMvoC+bC4CbhDLNfDA7MLzQjfxGGl+SnoMZFATntgZnggx5D5mnHhYm55aYWIHJs3b"
    "7iMejY2GLuSviA4K549MvinBZA9x76C1ybOoER84HoY8yWQSGTZFic8euQizUrhMMVEPrH"
    "E8KBZ1nyipL+P/gLEGrZMt0oIM3temqm2aqgIeWPXCpSKCFur13RdVrCjQak7555wdRViT"
    "US1TYNi+dYchdCudPdmdc/ZkN3/2ZGhtygN8x76VLA0JklaM4Xmq0bt/3s13iMea0cebz7"
    "9GzbNe8mLD4DiwC45VXYh7TKfBXwJ89s1gvleruEqCpBWQZ2yxldbskzlr9knBmh3LJ3mQ"
    "F5+unZB/toZ3x2PygJdOPdAjsgsS/rh3InHvIhb88KxtjItj8pRt9SsrE1dh1fpP0NYGtK"
    "UWpgYZzCpF5kw8c0k2pyk1mxvNZjEZ2Fg2YRlGZ2k1qxvNarQysKelOJ0h1WnqzeYzigsA"
    "QA/2W6Gi76rqC0W0bYiw3LbKsHMBzI3hxq7NttAcXcNMmqDYnl/xeEOsXH+uCyBSNwkuSa"
    "NdtQWoxvv3YFoP2jyhzjJc6AlX4zGPsnaFp13hqXm7uJpGYixuD9uGjdyq0ObnbQpfeA3y"
    "+fePH+cFG6SBF6tnhKDX+TbsqkWjumCMrgjUreykrRAZrm1HFVCWx+hK9dImkNYW3RPQtQ"
    "T33NH2x/aE35gN7ZnFR6UjewDZkrieZMxPNq4n4kelqJ68hpGIM1qNoXEWWatZGn9lVaYm"
    "Q7LqsLVmuJZi7MJ4rXiHLInbSu6g8+O3eql9u0ogV6iZYhgSlUFMPwkSsG/BRRhIFTmnoo"
    "YHMh4KrkFbuMpMmVo3nAVBFdT93chTZBiXM7EHzI+PTYkeoy4TarvOaNZ3jA3ZOyb/nQnz"
    "2n8dhmEhf1SBX1UBOA7UkhmB0nlH8IAVme7IsayWiL115VV+B2H4nXozfSjeswZjhUyoDu"
    "yMQKvCeUvDgArWq41phkoDmwdWBw1uOmhQh7Vt3U1SrKmUF9eJ2m+/uE7n5+HEUUcHDCbc"
    "CrgjjvB5v3S2z4qNlNyJpOBa/EgRaaasnSk6Jk7HxO14BE2Lk0p1QM2P4eLXATXPLynquI"
    "DOJrR1acesg2mCQiOqIy2eOdIisqSuGAuwbBp7M9bghcEAiTm7OMpCB69UA1UHr+xO8Mr2"
    "IjJ2BPGNVjENwSrwX85grOC5DJlWrZqpyYywgoITOhXRL+fmiytcSN8gVkcP8DxQbhXXM1"
    "2xP10ctFlOvoidy1rSkvRNNvR3dslotowyrVXoFWoIaCPlD2ik1Cr+hlT8msaoDJVW7ouB"
    "xV22PrAJKg2stpps32riJ6Iy1wBrjTSJhg3dOjp+YtZWNqBs0TK1w8gmNprappNNmgYw3L"
    "7ALhBG4ZcbBaK4nypBzJYLH29QwQhWdXtNQuEVlXcV5TsRrCgsuTKdVu6bpdzXPZVivSdS"
    "NKjY39YPjlpbxpKuR7yGesRxMGX1asSzfKaVcpYWVyKO0vUKFv9EJl/5BpBMGqyyCYTtZ+"
    "bbA5mnQXzmWVM825zCP96hxR6ZFTfeU5V9U63kz8JyxOt+BOawvEWow/wS4Q6DC9JX6MvS"
    "xP8V/zGY9ok864oFMjkGbdAD15zKnBX5BDHGI67oCMaTqkyMCSxo5VB1ieUhWGJMPUb28P"
    "mcwZ8BnZIJTAFfvroNMLsO21cndwFLgNuuLyQ9XEvZvO+dvgF9OEF0LLwxdgVzyGAqX03d"
    "k4fN46Fc8IpPESIXEgCAFXZateOqis7yEDAYKNDznnK1HZD4Eft92JIdUyQqNMObEg4TCL"
    "/QHcpDwDA5hxJz4skz7Uv37j8TLs/4CbmknFnWjq6XvO0NHkd2HTNx1L7JlvrmWonjKVBD"
    "pEoRtcE2v+nT1LQtvhz69triMXV1KaanCHWwcJODhWfyWl0mpyk1l5vMZR2OvD7BT/sqN4"
    "foTGGsh2uOTrvV8uB6oIKXiMqlwKZoNKjaV6kjvJsKas0IbzWz1wBr9dJmDVsKqgKbWgMX"
    "Azvbi7TvdwGyuW17pcB5aRbOY76ZMn07gvhGI+evTWZ7bsAcY/pBOmhyzpJMi4N5PhM+a4"
    "v+nsq+E7SdywpZAhBVVbp8BkwRAbGpGdrnqUP6iZc5hLfpF3lJVuus0Fw/Cacw+rBWqp31"
    "ho9+FNv837rdk5NX3RcnZ+enL1+9Oj1/Ectp+VvzBLY317+izHaQVLwXW/AfWMHaXW5ODp"
    "u3wn6fKVx0elqlcNHpaXnhIryXqRJiuF6tCIiYoIUIH3fPqyQqdM/LMxXwXhrhITyf+Z7P"
    "iwS8cpwzZC1Ee/2eEVW0BkA0C4Z06XKdodK2oMLwauHBE1iv2J9aXuUpR7j9Sk/PY5beSE"
    "2nGM0xAwHIr1Vvq4hWM2MFZmg/bPny02I/7DePQ2/LOGJTlNvh+jPEIjadyZV8dKgn1jPO"
    "Jyi0BLHYNh8p4tqMPM8mlxhUxbbO50nFeA/b18Rnt8oY0ymwNWVaHMyzNQ1V215o26lRuS"
    "GkOCL9RzdgAOfECWQI6QPzAsIdIgLmKTNR/w9o0Se++yQw1pObTBV6h6sYh+oIKiutFVd0"
    "2NBzFieD/NmZPRApMH70gPzZAbXQ9Xkw7UGPD9ENHVi6zcBSXVN70zW1k2+Ww7k8gjdD1g"
    "q0tx3I2/TawbmFZI2lgw0DFnVZBSX8dQ+PNSzu4LXoF1xzHQZ/w7/ZLaOSpXHtFVGiLWFZ"
    "piXpGxyF3bHcpwvMt7x3bGbyiX1B1H/vnTEfjS8I/nvvAEXADWpdkOhXs7gUb9xpVn21qW"
    "WVx/9kibenaLzY7C590n11Fm/Q+Me8vfnrp8uPH8tNlHX2iiRNgwd9Y/eJtHRaUcJME7Vm"
    "DK/N1q7tiuVQt9euOPHMJbmeptRcbwrXCwyNuQNNI9/jmDqjpZhf2IHO/2gOy3X+x7PYl3"
    "WgcjULc4VA5SoBnyjTrRjumTYZoxm1RbBvNPSzALmFJvkI38pm+V7M4mq2eXRd/CSk4fu1"
    "NIErFhGPcp/Y9IEJQolggJSprOPchoVWcHj6AR7m6oTlJOBJrOAo2M08ojBm1J85MaTXSp"
    "+5+px2d60dtU1OrnZcllqEalb3TBJpqanA1qDjHDYshyY2jxUF0bxLfceQriqSpqft4hwv"
    "HUqyw6Ekb306LIwgUTfmSqgmNqkhkgr6yEwiqY5IP6oi2ycjGa0xmMpCYB4WQIOGr+W/Qp"
    "ZKQwmSY0/UwpJtPCiWR9fc/2YTmLQguqIgqvOSNpbHsQuxNZ3OVsDVp9W3w1Oqj0hvYAZH"
    "eeX9hSdGbFf/OW70HqmNMz+2cUa7rpfaZhrE5Up+S5359CNwWVsEdeaTNleVmasumc+Nca"
    "fAXhXeOZhnsKKzNosMVuWA6iNkmmUHemR++fGwJRGwM5JWKNNbqFODk6oGwmHzFqJ7XMkg"
    "dDzHIHRcwyBUbpsoNwjpKhKLbBA56WCbm9n3/weWrX17"
)
