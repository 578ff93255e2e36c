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
        ALTER TABLE "users" ADD "email_verified_at" TIMESTAMP;
        ALTER TABLE "users" ADD "totp_enabled" INT NOT NULL DEFAULT 0;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "users" DROP COLUMN "email_verified_at";
        ALTER TABLE "users" DROP COLUMN "totp_enabled";
        DROP TABLE IF EXISTS "totp_credentials";
        DROP TABLE IF EXISTS "recovery_codes";
        DROP TABLE IF EXISTS "account_tokens";"""


MODELS_STATE = (
    "eJztXetz2za2/1cw+lJ7xvGN5djxOt3OOK82t0m847jdna07EkRCEtckyCVIO7p787/vOQ"
    "BJ8SmRepli8KGpTOKA5O/gcd74T89xTWaL498E83uX5D89Th0GPzLXj0iPet78Kl4I6MiW"
    "DUNoIa/QkQh8agRwcUxtweCSyYThW15guRybXnFCDcMNefCKDJlDLXtILEFE4PrMJNz1HW"
    "pbAn4e2O4j84lBBTskwiUht/4dMs6EwPZ4+ZnFBePCCqwHdoxPN10DHm/xybYfpJoMAnfC"
    "gqkE7Y8/4bLFTfaVifhP734wtphtZjC1TOxAXh8EM09e+8CD97IhfsNoYLh26PB5Y28WTF"
    "2etLZ4gFcn8Io+DRh2H/ghQs1D245YEqOv3nTeRL1iisZkYxrayDCkVi8wv9YbDD5f3w6+"
    "vLsdDHoFZsYUKdijS4bLcSDAqwr59RN8hWf9kxcvX1ycnr+4gCbyNZMrL7+pR8+BUYQSns"
    "+3vW/yPg2oaiExnoMq2VvE9c2U+uXAJgQ5bOGl89jGSLYXXId+HdiMT4Ip/Hnaf74Ayt+v"
    "bt78cnVzAK0O8ZEuTFY1hT9Ht/rqHuI9xxfnt/zdAOI0TQdRrgXyAozzEHtUiEfXNwdTKq"
    "ZNcC4Qbgbs+MIc7fmCvnO4+2dnNfCGVpWAy3tZxH3XrhjQ73joSLA/wDtRbrAC6DHt7rCW"
    "86nXDG1Jc0nw3ztunwxgA/fdB7yU+uOOU9Ox+CWR/8tvo3W4c3Jegzkn55W8wVtZ1lhiAE"
    "IE7LZF/rx2AXrKK/bLNF2ONyMg3BZz4oVoCxNhAbSvr68/Ys+OEP+25YUPtzmMf/v0+h1g"
    "L6GHRlbA0htqbgMdwGiw4EHmgAZF4N8CZoHlsAUbar6DHAfMqIfj+EcNdkTItmVZWsCN2w"
    "+f3n25vfr0twxL3l7dvsM7fXl1lrt6kJ8USSfk7x9ufyH4J/nn9ed3Ek1XBBNfPnHe7vaf"
    "PXwnGgbugLuPA2qmMYkvx5cyPA/cwBswjkCXyKQL51medIdTLbmyt3PN8BlissIky1JuYH"
    "a1bteHDzSvuT2LZv6eTLdokVo420LPXJHrWUrN9bZwvWSRlW+Pqv/4PqWn4oURNe4fKUjp"
    "mTspYZSN4anTQeDeMy5KluOI/v2vN8ymEuHiYIjsNTeqr1vsag+Hw7d4AsRX58Nijldk2t"
    "kIXleqr07j5TMDhf0ZNIPHrDu+VF9v4M+u4sXdACRZQyKxJlyfU111FS7LoZN1h9UH7KOr"
    "AI1sd7ImPq+hi67C47MHiz2CkLM7nNqpWS4fRQPESqy/LCFMN1FXnR9WT4PZPg4xBdnaEg"
    "J20lGEDNdxGBKsBdEb1UtXZx58I0Oldddg7eOAskzmeG7AuDEb3LPZumLUvLdf2ayr42vM"
    "aBD6DBZ2eGex7vh6r3q7UZ19J5gNHmCUbBS436HDroJn+nS87jB7i310CSC0bLl9t8rWlb"
    "2V9TxUI3nN2a0L/yzH8xb6eeMzE7YGi9bxOOzL7oAoOn0nh6tDOWjIZtQdEpcZ/EoCuPIG"
    "wepArqIZcnlEF7CKRHRE0r0ivhtI1sH1B7giiBUQyk1iCQHrBAmmjHD2NSAukFpc/i3gle"
    "EJjmXPirFc23mEjuJqVxSX5Gzj+JcsVecijc5f1AiuOH9RGVyBt7L+RzUDBmVDuBrlDNG2"
    "ol66FM+lvbzV0O+nv6+Ol5d99SzobZUAmgxlB7m+J1yuFTqjZI5VJneWUgdItZnLGDdZuk"
    "1WSnopiuXi3h7M2U1IfIVwiCzARXTfuz6zJvxXNivE4JargXF+yp6BW6X9wWWfPiZKR3pQ"
    "wbcrw6oU1q6+vLl6+673rTq+pJF+3ljplCvZFyaE+vAStTPT4mix4qnWRaEa100mIrY7Ae"
    "3uIFIOn0llINLxDgkDxppkNMNWbgi6oA/aIsBJTIDQwE5K0obW7vKO3/Erw8D8IaVGE4P6"
    "/gxVUMuPOiJUkKGwzOErwjCUgsBCNEUzhoHjl0QWOniIe4+abdSYhN4dB02VkQNKPN9yqD"
    "97ds9m8NsdZdVcoJePpNgJNZVCjCPp8AhznCi+P7D1GX4DlS97x9WXWgJV7RAzoyiqzwZ2"
    "LAIQ2Yg7Jo+ufw9IkRDe1UadO5JbjskVqOSPSM0ZQ4xcEPDI49SyGejld5ymEMGO5KtFYB"
    "iUEwH92QS+IuSqS1O+KPQpiGubzEcK9YG2yyeIDqz3woLxE3cescq2xnLzJNRHtkg/BLwI"
    "3OHsEe0BQt559K0gYHxdS0BbtKkWqaybUqaqLQV6Z96MLaaVEm3boN53kbZBPOo25YVMlG"
    "WJtJCPwqyWFYqxn3UkBQE8ttkz3KvVPiFgv4Wfyc5IDjCH5RC3dNhpcAtTNx1yIBiMCfPZ"
    "GB4Bd2Ez9A7LJIdNPwIlCbSTSAngyy9Xz/pn58S05OY3T2U+wN6TvRub+NC365ARkAEbXJ"
    "AIbCmpCBt2aLSU3nG1ScfCAC60IwqvbTN6T2aSoUgYCsQcdlR+f0yGKBPANB/CZwXEYRQk"
    "G+HhF2LXocd8gX3W3FD/yCzJoQ8jnfX+1Ab3XRrcY9hLJZflSZAp8jbnnPZkVtpsIFPULk"
    "n6rzsOaysLBnEO7SXJ/n3H1bQcqGl5STJ/5leAOrLR5nMltddkJ16THZcYaJlZbwc1BrTp"
    "vLMSaM6oulISnNBG873gLw0C5nhlkVKV4lqaZHfK+fNWC23akfx9O5K1hUv7nrTvqdr3lM"
    "pALfU8ZTNUF/md8nmx9QIeU6aeuAuCXRzFVhkq0K6ibDXSQoN30fhCzp6nDTQlhqQt9F9i"
    "j8kYYJBYaYN/6hDIJ7TIzPlQwLZa08wQtdkS0xplXish3VZCtPSkpSctPVVJT7m0mRL5qZ"
    "hYUy1ByVpgRtK4tj8OwflBkNvr27+hWd1nIMfcvH9DzvunF4evyBDQHVu+E7mc8BOiaBLG"
    "fdfGdFBCHyl6xqiUfcoccht/BnrkhjYVwQA9dLKgsPS+YbgJXlGRLYxgExlX42HwCZJeRl"
    "0gSXJDxsiMXZ/QO27D+FeOP+mUw7wVwTBWBmQ/oBVTN5RhMAbl3A0wUsZnnk1nGNxiBVOL"
    "Sy/hI0wJ91Gnt7RQtlMDsIlgN6fQUl0NqS49mxvbynK0Wr5rs3yXrMBFNr+2JpUrVYasM5"
    "bmv/T7p6cv+89Pzy/OXrx8eXbxPFm5ircWLWGvP/yMq1iGq9oere3ROVH2qTSqvRcO1grE"
    "W6Z7xVnzW9a8npQJ29G71tKlMsX9SjSpfPG/aj2qUHGwniGaPUgtxTRhrgsVUIiqA0JwJF"
    "ULmQmf6pvYlohS5QMM9acmcah/L8rt0JvrHlWnv6uYe8yfGKJZG9CXDxjGuQvwwVxQmUcR"
    "q1LGlPIJIwf4WMww8FAdSt4nSWm441LvslRopOE6HnJdvn+k090w05JHuoCCxOUbYhCkjH"
    "P0GShSZOS69/eMefD5i43meFO+d8FaPr+PX447XbOQxkXSS8f0rJ2ILQss7VqM+Q7FmHhW"
    "NmR5ikwrhm1WDOWqXCqnLlpZ01Rdsv7vWDNsgY7QDty116XV0n9hwdgAptdhMHK/vnvoVk"
    "nPPLTphbJNHq00+iVKWI451TqYKxsqnaT+eZZKR0I/EWZGo1J0AP95VASHxAtHdqwZRYlg"
    "qjn0y6hTemzlOv1JB5X6PcCMcVB3xpZtxxnQ2F4pOxgpJDsTU4a62itM5h6BTuZE1dNktz"
    "9EjQxi1U3s0vpOK/UdCWAB/wUJQlF77Xmq4XlyDSP0/ZW0yRxpB9XJLukXMu+vmYybJllJ"
    "yG2Zurjp/AYRjv7FjGBwD9/TyDmeo+vgQrX5qoQxaI1GcJZIK2olg5iGpsUiBSGL6v9+uf"
    "5csTCkaPLLvmUE5P+lNXsPwV2AHKKRWevjwXrw6eof+XH85uP16/wijh28zoGPMk8T4OP2"
    "GvQ1QE90hxVknjztTmyqT+Co7ITIkyiTjTbnNFEXE+A3sTE3iAfQB9NVTrI1TyVoaGlSh9"
    "SV2JiS0+uqrUvzQ/LqufZDD0v3oXUGCQkdY4CwOmI7sgChE9thAcUdDS1Alpc4rwue/JV7"
    "UyalKe2fnQ8JfrWyD0V5aGN0rR8Mf1QNfjr+kX0NfhqqwkKWqUoa2tHDBYFWviKFd3hFGD"
    "Wmd1zdjCoATligKh6ikx79/SNmUEyDg7+ZL6aWRw4epy5x6IzQIIAOoPUh2rkwMCD6SF8H"
    "QLcxAFoOkUbbSELRvZLzWyjsD1NR/m6AcJqmgxr0RZ1CNRfVdWouCmVq4HEBOkGa2lPzdB"
    "0Ee/PmikfLDEpSYStX4qS9NlKUGCmmzJpMS5S1SjjnBBrPMsul9X9sMJqVHqJWbUzLEGlc"
    "dYZBI6i7G5on5ftmhuk0iZ5Jy+OHJF5FfHUAUTbKJT2sdhzlsvTA+E+Uz25d/Lcmr1Y9Nb"
    "6tiR7yswY540v8kRjagut/osYnFpex60sG3LNZgm7E4oQ50T1JFN0Lpr4bTqYxyWDeYenA"
    "gOuDvMb/baE9Sb55iTkp/qJqa1IyQOok2+NafUyGD8zH0zWGZCLPVcC88ej8iSjLAk1Akx"
    "DAENF1PCUBky+gL8cSgWUQ2zXwBIjSAtjbeIw0P6U9BjKoCUtQuyqeaWz5mHHieb77QO0o"
    "sQOT5h33Ac96QEMX8lfEJ19YD0y+KcFkD3HH0drk2dRITtCIQp5kMokMm6IkPkAes1IsmW"
    "KiHtig3jXM1CBUUl/O/wFjDVqnW2QFGbyvTVW7NFUFVmA3C5eKCTqo1/ef17GiQKtKzV7e"
    "yylPdjhpZAqM2neuVHW/VjHl/oJiyv1iMeXI2lQE+JZ9rVgaUiSdGMOLVKN3/7hd7BBPNK"
    "OP159/jpvnveTlhsFp4JTUCV+Ke0KnwV8BfPbVYL7XqLhKiqQTkOdssbXW7NMFa/ZpyZqd"
    "yCdFkJcfF5GSf3aGd89j3ETUmoEek12S6Mcdj8W9y0Tww8MjMC6OyWMj1K+8TFyHVZs/Ek"
    "Ib0FZamFpkMKsVmRN65opszlJqNreazSIcOVg2YRVG52k1q1vNarQysMdVj+FLk+o09Xbz"
    "+V/qsNgB7LdCRd/V1RfKaLsQYblrlWHvAphbw419m22RObqBmTRFsTu/4smWWLn5XBdApG"
    "kSXJpGu2rLD+BV+/eo/DDpSmiLhDrLcKknXI3HIsraFZ51hWfm7fJqGqmxuDtsWzZy60Jb"
    "nLcZfOE1yOffPn5cFGyQBV6snxGCXuebqKsOjeqSMbomUDeyk65CZLiOE1dAWR2jN6qXLo"
    "G0seiegG4kuOeWdj+2J/rGfGjPPD4qG9kDyFbE9aRjfvJxPTE/akX1FDWMVJzRegxNssg6"
    "zdLkK+syNR2S1YStDcO1FGOXxmslO2RF3FZ6B10cvzXI7Nt1ArkizRTDkKgMYvpBkIB9DS"
    "6jQKrYORU3PJLxUHANT2o3CTNlat14HgRVUvd3K0+RYVw8dEbMT45NiR+jLhPquHwy7zvB"
    "hhyckL/mwrwOX0VhWMgfVeBXVQBOArVkRqB03hE8YEWmO1pYVksk3rrqKr+jKPxOvZk+FO"
    "9Jg7EiJtQHdk6gVeGipWFEBRs0xjRHpYEtAquDBrcdNKjD2nbuJinXVKqL68Ttd19cp/fj"
    "OOTq6IBRaNmBxcUxPu+n3u5ZsZWSO7EU3IgfGSLNlI0zRcfE6Zi4PY+g6XBSqQ6o+T5c/D"
    "qg5uklRR0X0NuGti7tmE0wTVFoRHWkxRNHWsSW1DVjAVZNY2/HGrw0GCA1Z5dHWejglXqg"
    "6uCV/Qle2V1Exp4gvtUqphFYJf7LOYw1PJcR0+pVMzWZEVVQ4JFTEf1ybrG4wqX0DWJ19A"
    "DPA7Xs8nqma/ani4O2y8kXs3NVS1qavs2G/t4+Gc1WUaa1Cr1GDQFtpPwOjZRaxd+Sit/Q"
    "GJWj0sp9ObC4yzYHNkWlgdVWk91bTfxUVOYGYG2QJtGyodtEx0/N2toGlB1apvYY2dRG09"
    "h0sk3TAIbbl9gFoij8aqNAHPdTJ4jZduHjDSoYwapur0gkvKLyrqJ8Q8HKwpJr02nlvl3K"
    "fdNTKTZ7IkWLiv3t/OCojWUs6XrEG6hHnART1q9GPM9nWitnaXkl4jhdr2TxT2XyVW8A6a"
    "TBOptA1H5uvj2SeRrEZ549w7PNKfzjPbPZA7OTxgeqsm+mlfxZWo5404/AHJa3CHWUXyLc"
    "cXBJhgp9WZr4f5I/RrMhkWddsUAmx6ANeuSaM5mzIp8gpnjEFZ3AeFKViTGBBa0cqi6xPA"
    "RLTKnHyAE+32LwZ0BnJIQp4MtXdwBml7NDdXIXsAS47fpC0sO1jM37jg8N6IMH8bHwxtQV"
    "jJPRTL6auicPm8dDueAVH2NELiUAACvstGrHVRWd5SFgMFCg5wPlajsiySMOh7Alc1OkKj"
    "TDmxILJhB+oTuWh4Bhcg4lZujJM+0r9+4/Ui7P5AmFpJx51o6ul7zrDR5HdhMzcdy+zZb6"
    "9lqJkynQQKTKEHXBNr/t09S0Lb4a+u7a4jF1dSWmZwh1sHCbg4Xn8lpTJmcpNZfbzGUdjr"
    "w5wU/7KreH6FxhbIZrgU671YrgeqCCV4jKlcBmaDSo2lepI7zbCmrDCG81szcAa/3SZi1b"
    "CuoCm1kDlwM734u073cJsoVte63AeWkWLmK+nTJ9e4L4ViPnP5jM8dyAcWP2q3TQFJwluR"
    "ZHi3wm1rwt+ntq+07Qdi4rZAlAVFXp8hkwRQTEoWZkn6ecDFMv8wzeZljmJVmvs1JzfRhN"
    "YfRhrVU767U1+V5s83/p909PX/afn55fnL14+fLs4nkipxVvLRLYXn/4GWW2o7TivdyCf8"
    "9K1u5qc3LUvBP2+1zhorOzOoWLzs6qCxfhvVyVEMP1GkVAJAQdRPikf1EnUaF/UZ2pgPey"
    "CI/h+cz3fKtMwKvGOUfWQbQ37xlRRWsARLNkSFcu1zkqbQsqDa8WHjyBDcr9qdVVngqEu6"
    "/09DRm6a3UdErQnDIQgPxG9bbKaDUz1mCG9sNWLz8d9sN+9SzobRVHbIZyN1x/gljEtjO5"
    "lo8O9cRmxvkUhZYgltvmY0Vcm5EX2eRSg6rc1vk0qRjvYfsKfXajjDG9EltTrsXRIlvTWL"
    "UdRLadBpUbIopjMnxwAwZwhjyQIaT3zAuIxYkImKfMRMPfocWQ+O6jwFhPy2Sq0DtcxThU"
    "LqistFZe0WFLz1meDPJHb/5ApMD40SPyRw/UQte3gtkAeryPb+jA0l0Gluqa2tuuqZ1+sw"
    "LO1RG8ObJOoL3rQN621w4uLCQbLB1sGLCoyyoo0a87eKxhWxyvxb/gmssZ/A3/5reMWpbG"
    "jVdEibeEVZmWpm9xFHbPdh8vMd/yjjvMtELnkqj/3/GpNZleEvz3jgNFYBnUviTxr3ZxKd"
    "m4s6z64lDbro7/yRPvTtF4vt1d+rT/8jzZoPGPRXvzl09XHz9Wmyib7BVpmhYP+tbuE1np"
    "tKaEmSXqzBjemK1d2xWroe6uXTH0zBW5nqXUXG8L10sMjYUDTWPf45TyyUrML+1A53+0h+"
    "U6/+NJ7Ms6ULmehblGoHKdgE+U6dYM98yajNGM2iHYtxr6WYLcUpN8jG9ts/wgYXE92zy6"
    "Ln4Q0vD9SprAFYuIRy2fOPSeCUKJYICUqazjlgMLrbDg6Ud4mCuPyknAk1jJUbDbeURpzK"
    "g/d2JIr5U+c/Up7e5aO+qanFzvuCy1CDWs7pkm0lJTia1BxzlsWQ5NbR5rCqJFl/qeIV1X"
    "JM1O2+U5XjqUZI9DSd76dFwaQaJuLJRQTWzSQCQV9IGZRFIdk2FcRXZIJjJaYzSThcA8LI"
    "AGDV/Jf4UslYYSpIU9URtLtllBuTy64f63m8CkBdE1BVGdl7S1PI59iK3p9XYCrj6tvhue"
    "Un1EegszOKor7y89MWK3+s9Jq/dIbZz5vo0z2nW90jbTIi7X8lvqzKfvgcvaIqgzn7S5qs"
    "pcdcV8y5j2SuxV0Z2jRQYrOm+zzGBVDag+QqZddqAH5lcfD1sRATsn6YQyvYM6NTipGiAc"
    "Ne8guie1DEInCwxCJw0MQtW2iWqDkK4iscwGUZAOdrmZffsvSP/6Ew=="
)
