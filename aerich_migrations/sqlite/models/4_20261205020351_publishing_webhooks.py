from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "webhook_endpoints" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "url" VARCHAR(2000) NOT NULL,
    "description" VARCHAR(500) NOT NULL,
    "event_types" JSON NOT NULL,
    "secret" VARCHAR(100) NOT NULL,
    "is_active" INT NOT NULL,
    "disabled_reason" TEXT,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "lease_until" TIMESTAMP,
    "lease_owner" VARCHAR(64),
    "owner_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
) /* Where events of the listed types are POSTed, signed with `secret` (Standard Webhooks). */;
        CREATE TABLE IF NOT EXISTS "webhook_deliveries" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "dedupe_key" VARCHAR(100) NOT NULL UNIQUE,
    "message_id" VARCHAR(64) NOT NULL,
    "event_id" VARCHAR(48) NOT NULL,
    "event_key" VARCHAR(48) NOT NULL,
    "event_type" VARCHAR(64) NOT NULL,
    "payload" TEXT NOT NULL,
    "replay_of" BIGINT,
    "status" VARCHAR(16) NOT NULL /* pending: pending\nretrying: retrying\nsucceeded: succeeded\nfailed: failed */,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMP NOT NULL,
    "last_attempt_at" TIMESTAMP,
    "response_status" INT,
    "response_ms" INT,
    "last_error" TEXT,
    "created_at" TIMESTAMP NOT NULL,
    "delivered_at" TIMESTAMP,
    "endpoint_id" INT NOT NULL REFERENCES "webhook_endpoints" ("id") ON DELETE CASCADE
) /* One message to one endpoint (an event, or a replay of one) and its latest attempt. */;
CREATE INDEX IF NOT EXISTS "idx_webhook_del_endpoin_8abf7b" ON "webhook_deliveries" ("endpoint_id", "status", "event_key", "id");
CREATE INDEX IF NOT EXISTS "idx_webhook_del_status_d0f04a" ON "webhook_deliveries" ("status", "next_attempt_at");
        ALTER TABLE "blogs" ADD "publish_at" TIMESTAMP;
        CREATE INDEX "idx_blogs_status_c2c0fa" ON "blogs" ("status", "publish_at");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_blogs_status_c2c0fa";
        ALTER TABLE "blogs" DROP COLUMN "publish_at";
        DROP TABLE IF EXISTS "webhook_deliveries";
        DROP TABLE IF EXISTS "webhook_endpoints";"""


MODELS_STATE = (
    "eJztXXtz27i1/yoY/7P2jOMmSpy4zt6dsROn9d0kzjjebqd1R4JISMI1CaoEaUW3d7/7PQ"
    "cgKT5lUq9QDGbarEzigODvgMB54z8HrmczR578Jpl/cE7+cyCoy+BH5voxOaDT6eIqXgjo"
    "0FENQ2ihrtChDHxqBXBxRB3J4JLNpOXzacA9gU0vBKGW5YUieEsGzKXcGRAuiQw8n9lEeL"
    "5LHS7h56HjzZhPLCrZEZEeCQX/d8gEkxLb4+VnXEgmJA/4IzvBp9ueBY/nYrztB+km/cAb"
    "s2CiQPvnv+AyFzb7xmT85/ShP+LMsTOYchs7UNf7wXyqrl2L4INqiO8w7FueE7pi0Xg6Dy"
    "aeSFpzEeDVMQzRpwHD7gM/RKhF6DgRS2L09UgXTfQQUzQ2G9HQQYYhtR7A4tpBv//55q7/"
    "9equ3z8oMDOmSMEeXbI8gRMBhirV249xCM96L169eXX28vWrM2iihplcefOHfvQCGE2o4P"
    "l8d/CHuk8DqlsojBegKvYWcX03oX45sAlBDlsYdB7bGMn2guvSb32HiXEwgT9f9p4vgfJv"
    "F7fv/npxewitjvCRHnys+hP+HN3q6XuI9wJf/L7V7wYQp2k6iHItkJdgnId4SqWceb7dn1"
    "A5aYJzgXAzYMcXFmgvFvSdw907Pa2BN7SqBFzdyyLue07FhL4SoavAvoYxUWGxAugx7e6w"
    "Vt/TQTO0Fc05wX/vhfOiDxu47z3ipdQf94LaLhfnRP0nv43W4c6L1zWY8+J1JW/wVpY1XP"
    "ZBiIDdtsifSw+gp6Jiv0zT5XgzBMJtMSdeiLbwISyB9vLm5iP27Er5b0dduL7LYfzbp8sr"
    "wF5BD414wNIbam4D7cNs4PAgu0+DIvDvAbOAu2zJhprvIMcBO+rhJP5Rgx0Rsm1ZlpZw4+"
    "7609XXu4tPXzIseX9xd4V3eurqPHf1MP9RJJ2Q36/v/krwT/KPm89XCk1PBmNfPXHR7u4f"
    "BzgmGgZeX3izPrXTmMSX40sZngdeMO0zgUCXyKRLv7M86Q4/teTK3n5rls8QkxU+sizlBr"
    "6u1u368IL2jXDm0Ze/J59btEgt/drCqb0i17OUhutt4XrJIqtGj6r/6CGlp+KFIbUeZhSk"
    "9MydlDDKRvDUST/wHpiQJctxRP/h11vmUIVwcTJE9ppb3dcddrWH0+GP+AOIry6mxQKvyL"
    "SzEbwudF+dxsvjttV3vDFfF6wb6Ogj9rO3wttyoHxmoVY0h2bwmHU/RN3XO/izqxNLeAGI"
    "/JZCYk24Pqe66ipc3KXjdafVNfbRVYCGsEitic8ldNFVeHz2yNkMpMHd4bSPqzii00es5P"
    "rLEsJ0G3XV+Wn1fTDbxymmIVtbQsBOOoqQ5bkuQ4K1IHqne+nqlwfvyFC73zVY+zihZmw4"
    "8byHPhP21ONrg/W77u4q6q2rM4zbzJ16ARPWvP/A5usKn4vefmXzrmI2YjQIfQbbIYxZrj"
    "vRPujebnVnPwhm/UeYJRsF7m/QYVfBs306Wneavcc+ugQQGk69nldlSs3eyjq2qpG8EezO"
    "g3+exvMO+nnnMxs2VE7rOLT2ZU9FFN2em8PVpYKO1SixOyQusyeXxAfm7c3VcYJFK/fTAY"
    "PAKhLREUX3lvheoFgH1x/hiiQ8IFTYhEsJ6wQJJowI9i0gHpByof6WMGR4gsudeTFUcDuP"
    "MEGC7QoSVJxtHF6VpepcINvrVzVid16/qozdwVtZ97b+AvplU7ga5QzRtoKquhQuaIIIqq"
    "HfT3dynSAC9m3KobdV4rMylB3k+p5wuVZklpY5Vvm4s5Qm/q7NXMaw3NJtslLSS1E8Le7t"
    "wTe7CYmvEG2TBbiI7gfPZ3wsfmXzQoh3uRoYpz/tGbhV2h9c9uksUTrSkwreXZujlbB28f"
    "Xdxfurgz+qw5ca6eeNlU61kn1lUuoXL1E7My2Olyueel2UunHdXDWiImbIYaQcPlPKQKTj"
    "HREGjLXJcI6tvBB0QR+0RYCT2AChhZ2UZKWt3eW9uBcXloXpaVqNJhb1/TmqoNyPOiJUko"
    "Hk9uAtYRiAQmAhmqAZw8L5SyILHTzEe0DNNmpMwum9AE2VkUNKpj53qT9/9sDm8NsbZtVc"
    "oFePpNgJtbVCjDPp6BhT6CiOH9j6DN+BqsHeC/2mXKKqHWLiHUX12cKOZQAiG/FGZOb5D4"
    "AUCWGsDurckdxyQi5AJZ8htWAMMfJAwCOzCXcY6OX3gqYQwY7U0CIwLCqIhP4cAm8RCt2l"
    "rQYKfUriOTbzkUK/oOOJMaID673kMH/iziNWOXykNk9CfWSL8t7AQOCOYDO0B0h1Z+bzIG"
    "BiXUtAW7SpFqmsm1Kmqi0FZmfejC2mlRJt26Ded5G2QbjzNuWFTBBvibSQD/KtlhWKocV1"
    "JAUJPHbYM9yr9T4hYb+Fn8nOSA4xReoIt3TYaXAL0zddcigZzAn72QgeAXdhM5welUkOm3"
    "4EShJoJ1ESwNe/Xjzrnb4mNleb3yJT/hB7T/ZubOJD355LhkAGbPBAInCUpCId2KHRUnov"
    "9CYdCwO40A4pDNth9IHMFUORMJSIOeyo4uGEDFAmgM98AK8VEJdRkGzkFN8Quw6nzJfYZ8"
    "0N9Z+ZJTn0Yaazg38Zg/suDe4x7KWSy9M5tinyNqc0H6ikx3lfZUCek/Rf9wLWVhb04xTt"
    "c5L9+17oz7KvP8tzkvkzvwLUkY02n4prvCY78ZrsuIJFy8x6OyhhYUznnZVAc0bVlXIspT"
    "Ga7wV/aRAwd1oWKVUprqVJdqecP2+10GYcyT+2I9lYuIzvyfieqmxJixznEkNSJgG62oqU"
    "S7iuF+coYXI844LMeDAhVJCbKRPX78k7TwhmBeiHeeQ284/JyPdcApPH1/YfZZ1h36wJFe"
    "OSUoib6xpNRr+yKTputDOI+Y9odxJegP4hSizPe+B4XfnZVD1FbHfx5Rr7nMuowbORz9i5"
    "ujWA6wEboC68sGbFwyEIPnqX0G3kzchhZJSiEs1KylR1dIxuIGtCJp4TOaK+/PruikS1iH"
    "wM27wXKmATvU0n5A5+fv1yoV1E6kXRUDZZQKQ7Gijm9YfwCQGMg9JH677dEL1FqNrDC/BA"
    "Q6w9Sejqw0Tyc4SGOg7OT/Lb7UcydagItKtPei7DMFKYQQyLUSLNu6+3H47uhUUFIjtkCQ"
    "cUBfb9yC3YVn+S+Con5IoCAGjVU4a7hZ3wEO0JHKcYdchvX3DrkUcmOrWNxrJoxjexAaRp"
    "2mwia03UpFpqGhuzslTGmPWkMStaMxsDnafr4JzePNhqV2uCckLQQXhf9M7qGMB7Z9UWcL"
    "yXU5FhA49LGzZanwuEBvF6iIOcxX0QS/uhz5sAnqfrIN6956/qAI7NqovhqpvGDmTsQMYr"
    "Usn1PeFyLat5rHqu8nVnSY13pM181iYLJXY0lb1LSDfiWe60opNYZVZaQLO05stq85e1e4"
    "dJy5jZKX9Jy7Ddc3dJpsxpaaJOtgzqsjSdfPHVun6TxOIdd6HM7sekaLTXAa14F2NVyenz"
    "dDxrSdztFvovsb1n4lUXu/C/jE3+O9rkVxKk1heh2qYJbVuKMjFbRnYywSZ7Izy1Ddw9l5"
    "5yVcZK5KdiHbJqCUqdzGMljWunLyE4P0lyd3P3BbMQfAZyzO2Hd+R17+XZ0VsyAHRH3Hej"
    "DB18hSj5lgnfc7DmKKEziolEVMk+ZflLG38GRqMMHCqDPoY+qOM9VbISZueqYAiVCMwINl"
    "FpyFMMuUjiMVBEA5LkhkopHnk+offCgfmv86RUDhPGZ0iGqcUY7kKJnHihyhpeRGj4bOrQ"
    "OeYC82DChUqqmsEn4c1MvEULZTs9ARuFASQURqqrIdWlv+bGRuccrZHv2izfJStwkc2XfF"
    "y5UmXIOhOY/+de7+XLN73nL1+fnb568+b07HmychVvLVvCLq//gqtYhqsmfN+4bXOi7PfS"
    "qPZeOFirbsFTuldcZHjLmtd3ZcJ29K61dKnMCVIlmlT+hKlqPapwrFU9QzR7VFqKbcO3Ln"
    "X9BVQdEIJjpVroOPRF38ThMqosHGBlJGoTl/oPstwOvbnuUXX6XZcowojyAZq1AX31gEFc"
    "6gleWEiqyk7FqpT2WZJDfCwG5E9RHUrGk1SA0gH36uEcY/7dKXJdjT/S6W6ZDXfgf6AgCT"
    "VCrBmhykL4DBQpMvS8hwfGpvD6y43meFONu2AtX9zHN8edrlkFiGXSS8f0rJ2ILUss7UaM"
    "+QHFmPirbMjyFJlRDNusGKpVuVROXbaypqm6ZP3fsWbYAh2hHbgbr0urpf/CgrEBTG/CYO"
    "h9u3rs1rlxeWjTC2WbPFpp9MsSqLPMWZJCrRpqnaSuI0tEOhL6ibCQLCpFh/D/KcV03Wk4"
    "dGLNKMo01s2hX0bdEqfVev0pB5X+3ccCu6DujLjjxAVjsb1WdjBSSHUmJwx1tbeYRzwEnc"
    "yNDptR3f4UNbIIr1sHz+g7rdR3FIAF/JfUU4vaG89TDc+TZ1mh76+kTeZIO6hOdkm/UGUS"
    "m8m4aRITll3UGmQ4/B9MoHyA92nkHM/RdXCh2kI5ggi0RjM4S2QUtZJJTEObs9Ks+P/+ev"
    "O5YmFI0eSXfW4F5P+UNXsPwV2CHKKRWevjyXr46eLv+Xn87uPNZX4Rxw4uc+CjzNME+Li9"
    "AX0N0BPdYQWZJ0+7E5vqd3BUdkLkSZTJRptzmqiL9YI3sTE3iAdIF1/JuYlzCnWD05vzvu"
    "n9XPHWPMS5oaXp2qVKdCjYmPSN42XWJY5NGrj2wymedITWGSQkdIQBwrq4S2QBQie2ywKK"
    "OxpagPg0cV4XPPkr96ZNShPaO309SKrjsTgPbYSu9cPBz7rBLyc/s2/BLwN9DgO39QlQTv"
    "RwSaCVr0lhDG8Jo9bkXuib0YFJYxboA6LQSY/+/iGzKKbBwd/MlxM+JYeziUdcOic0CLAK"
    "HQ+O0M6FgQHRS/omALqNAdBqijTaRhKK7p3Qu4VzkOFTVL8bIJym6aAGfVanrv9ZdVn/s0"
    "JVf3hcgE6QpvbUPF0Hwd68uWLG7aAkFbZyJU7aGyNFiZFiwvh4UqKsVcK5IDB4llku+f+y"
    "/nAesCZnA2SJDK4mw6AR1N0NzVPyfTPDdJrEfElPxw8pvIr4mgCibJRLelrtOMolVdHY8c"
    "Yl+8onKuZ3Hv5bk1eX0M8qvGprood6rX7O+BK/JIa24PqfqPGJxWXk+YoBD2yeoBuxOGFO"
    "dE8RRfeCie+F40lM0l90WDox4Ho/r/H/sdSepEZeYk6K36jampRMkDrJ9rhWn5DBI/PxkI"
    "QBGatjqNWxAfq47ijLAk1A4xDAkNF1PFQaky+gL5fLgFvE8Sw8MLv0vNBtPEaZn9IeAxXU"
    "hCd2JhFN+Fgy4j78O/ZYErJ0SAMC+PneI4U5hln2AYl7Uv1EmffSgo5DR+Xjs6MoMwSz7l"
    "3vEc/WRksZThAZnzTOH6NnYraItlZNHWolB5ZHz0dP0r1Qo6TEZ49cRmktXOWo6KE1OF8U"
    "q8KHWmzMOVBgskLrdIusJFS8v4DBnFG6WytYwAOnWSRWTNBBk0HveR0DDbRaUlm6YKKRTj"
    "huZGWM2nfunIVerWMte0uOtewVj7WMDFlFgO/Yt4qlIUXSiTm8TOu6+vvdcl97onR9vPn8"
    "l7h53gFfbnOcBG7Jia1P4p7QGfBXAJ99s5g/bVS3JUXSCchzZt5aa/bLJWv2y5I1O5FMii"
    "A/fXB3Sq7ZGd4HU6bOjjloBnpMdk6iH/ciFgTPE5EQj/HGkDumDvDWv/Lidh1Wbf5wbmOb"
    "W2lhapEtrlbQTzi1V2RzltKwudVsluHQxYoMqzA6T2tY3WpWo/2BzVbidI7UZMC3m88oLg"
    "AAfdhvpQ7sq6svlNF2IXhz1yrD3sVGt4Yb+/a1pcyoq/HZcHkPuBz5MxoYw1MUu3NMv9gS"
    "KzefLAWINM2iTNMYX38JqomUNpw3g7ZIaNJUnwyl0POxiLKJpcjGUmS+26fLsaTm4u6wbd"
    "nMrQtt8bvN4AvDIJ9/+/hxWbRKFni5fkoRhi3cRl11aFaXzNE1gbpVnXQVIstz3biEzuoY"
    "vdO9dAmkjYWHBXQj0WF3tPvBYdE75mPDFgF22dAwQLYiMCwdNJYPDIv5USssrKhhpALV1m"
    "NokobYaZYmb1mXqemYviZsbRjvpxn7ZMBfskNWBP6ld9DlAYD9zL5dJxIw0kwxDI2qILaf"
    "JAnYt+A8isSLXZBxw2MVDwfXoC1cZbbKzRwtguBKCkdv5SkqDlCE7pD5ybk78WP0ZUJdT4"
    "wXfSfYkMMX5L+iAME4IPDobRSGh/zRFaJ1CekkUE+llCoXrYodVPmyHOuyycQnW10mehjF"
    "b+qRmVMVv2vIXcSE+sAuCIwqXLQ0DKlk/caY5qgMsEVgTWjotkNDTfDizp1h5ZpKdXWmuP"
    "3uqzMd/DwKhT57YhhyJ+BCnuDzfjnYPSu2UrMploIb8SNDZJiycaaYyEcT+bjncVIdzko2"
    "YVM/hovfhE19f0nRxAUcbENbV3bMJpimKAyiJtLiO0daxJbUNWMBVq2D0I41+MlggNQ3+3"
    "SUhQleqQeqCV7Zn+CV3UVk7AniWy2DG4FV4r9cwFjDcxkxrV45XJtZUQUNETkV0S/nFYtr"
    "nCvfIJbXD/BAWe6UF8Rdsz9TXbZdTr6Ynata0tL0bTb0H+yT0WwVZdqo0GtUijBGyh/QSG"
    "lU/C2p+A2NUTkqo9yXA4u7bHNgU1QGWGM12b3VxE9FZW4A1gZpEi2buk10/NRXW9uAskPL"
    "1B4jm9poGptOtmkawHD7ErtAFIVfbRSI437qBDE7Hry8RSUjWLvvLYmEV1TedZRvKFlZWH"
    "JtOqPct0u5b3qsyWaPNGlRScednzy2sYwlU9B6AwWtk2DK+uWsF/lMa+UsPV3KOk7XK1n8"
    "U5l81RtAOmmwziYQtV+Yb3WNZ+KzqTMnAVZqDrzpM4c9MidpfKgrO2daqZ+l9aw3/QjMYX"
    "mPUEf5JdIbBedkoNFXta3/lPwxnA+IOiyNBSo5Bm3QQ8+eq5wV9QQ5wTPS6Bjmk65MjQks"
    "aOVI1aWWEzpl5BCfzxn8GdA5CeET8NXQXYA5qXmNLAFue75U9HAtY/O+FwML+hB4DrBKwL"
    "EmnmSCDOdqaPqeKqmNp7rBEGcxIucKAIAVdlq94+qS4OoUOZgo0POhdrUdk+QRRwPYkoWt"
    "83z05gwjJRw+IHxDb6ROkcPkHErsEN7Ogn6r83EWLs/kCYWknEXWTnzTbPC72uBxZjcxE8"
    "ft22ypb6+VOPkEGohUGaIu2Oa3fRyfscVXQ99dWzymrq7E9AyhCRZuc7DwQl5ryuQspeFy"
    "m7lswpE3J/gZX+X2EF0ojM1wLdAZt1oR3Cmo4BWiciWwGRoDqvFVmgjvtoLaMMJbf9kbgL"
    "V+abOWLQV1gc2sgU8Du9iLjO/3CWQL2/ZagfPKLFzEfDtl+vYE8a1Gzv/OhhPPe3jPsLSV"
    "Pz8o8Zbkmxwv85rMdGOcAtg64ma9iHqXSQmjRBcF2taZsKceRw8GFVinS6TdHXSONvfEWY"
    "C+BXRNYUWtIGDuNCgPst/sI1QNMEWG3q2kDJi68hN6N3xGXcJtPIiToi/Chfs0INLzoTOq"
    "a5C9Rc9GPBCgioYo74V2t8DogHxwmDznmCh3hOfbzD9Bb40dTpkegEsfmB4DzqLQZT50yA"
    "UsQNCJDWP2sHbMvThUvo5oeFg/jNp4GqnDqPJrWOyo9img8cix/aL6QzLY2H2RPe5TwHv3"
    "IxSbn/l5ycc/ioPjz73ey5dves9fvj47ffXmzenZ80TYLd5aJvVeXv8FBd/jtPWiThJDPL"
    "eamOazVJ2LeXhRqxLUiyWVoF4UK0FFX31DJ0iWqhPOp227QfTK1AzmNE0HQX51VgPkV2eV"
    "IOOtMpAbLhsZIgNzbZgVRo1xjqk6CPTmF40pnTseLVkzqiMCUiSdgHjXQQFaAu97o2byX4"
    "asQ8bOnQiCpgocVoHD2LC5uhT/ugddyrIYszGjNfl5L0aUO3hJ/zevcNaSJTee4hppVSW8"
    "q/YSpkh259J6vt0PZmMul7yuWsB1uYu9hLyDETRdcrQ7VK7D8BJyE1jRZn5DV1N4O9av2v"
    "SWCBsFyg6JHBtMso1gclcC1zXAVgCrlhrm+2Wu1WrNJEvVhdBZU9aiNazocCht5NJaNdAy"
    "Q2skgjZLBLFPq1mcVY7KBAc+HWqVdh6uGWUReamvUj3uGdZ1Iy5y86w8muX7JNvnmVAdTZ"
    "Dm09PRBPEr1wwm+H0CS612w6tju9DbjYc0MJuoCaoSGb/cfL1j9jGRMM3ghkoBHEgGO3Qw"
    "IIdfYbrZgAeJxitLEjK38xgMKrhD97xqg+75BzYNMFoAfg6ZRUPJomPLol1F5WCm++dBfJ"
    "qYzslEj/4xmU2Y0GeKJWEPmDapJZITMkDvP+uHIuDO4E/RX0CN55vB9FLxEjPPf8BczQDT"
    "NWGbikeA8RTQ8b2Ie8ancWuSyvxcBIRgOIMOXjg4rhNjYDIfd5n5GPpOE2dS1LwTLo7CgU"
    "81T3xaeuRTwdOfHlwDoHNkOzSsN7Sorwj3aS20T5eAfVrEeuHqbHTGUI7MnDK0XINe5ZQh"
    "tbk1mf8Lig6uNVsJKeKyD1ISbLolHlTPg/1dVOyUaboc2EMg3Bba8S662+l9eXPzMTO9L6"
    "/zFqDfPl1eAfoKe2jEgwqnqc0lvr+9wpktJaTGMGcMc8YwV8cwF07tFbmepTRcbwvXS6x0"
    "0ehTzo+FutrYRZslNcbY9rC5xB2/MEQ0kRdzZF3YTbcd5ajAambzTpMYg/fTBu+KaWzyYL"
    "Mm7vS0amrfLjjs1s4oLEmA6wjuW00tvI4Tzqz5r6w0szDX4niZK4Av2mKOQO2yjFiWj9kE"
    "NiRAFK30mNwHTJEBcakdlf6jggxSg3kGoxmUFWBcr7PSSoBh9CVj3kO+AqDJimtlVlzDvJ"
    "buZrT0Tk/rWMhPT6sN5HgvZxq0vGb5LAlBBxF+0auTNAStqg2DvULa0Aiez/ypX+p4r8Y5"
    "R9ZBtDcvUuvAUADRLpnSlct1jsoI1suCSstLtVY7dwqEu3fvfB/NfyuOnATNCQMByG/kZi"
    "ujNcxYgxnG/F29/OynIbRWiddvUw69rVLjNUO5G65/h2MO2s7kWmZQ1BOb2eZSFEaCeNo0"
    "FyvixjK3zDKXmlRtCjz9ANtX6LNbbYw5KLE15VocL7M1jXTbfmTbaVDCKqI4IYNHL2AAZy"
    "iCQRLDyQWRAZtGQaB/gxYD4nszVaKJ20wFkCIdHnEhJFUBQOV1rLb0nDoFnxYPRIq4thOo"
    "hZ7Pg3kfenyIb5jIzV1GbgY8cBoZThKCDqryvbrBm8tiNxuFbi4J7vleoZsdiuxpe0GKwk"
    "KyuXoU1LJgUVcHrEe/7uGxlsMFXot/wTVPMPgb/s1vGbUsjRuvRBFvCasyLU3fYvf9gePN"
    "zvEox3vhMpuH7jnR/70XEz6enBP8914ARcAt6pyT+Fe7uJRs3FlWfXWp41SXFs8Td6Z8yM"
    "vem9fJBo1/LNubv366+Pix2kTZZK9I07R40rd2n8hKpzUlzCxRZ+bwxmztxq5YDXV37Yom"
    "rLZrXK8TVhv7HidUjFdifmkHJsS2PSwvfunmaKlN7ZpL7MvmDJR6FuYaZ6DUCf5EmW7NuM"
    "+syRjNqB2CfauhnyXIPWmSj/GtbZbvJyyuZ5tH18VPUhm+3yoTuGYRmVLuRycnUKy64Alb"
    "W8e5Cwut5PD0Y1XlITqpGp7EZLlZfvOPKI0Z9RdODOW1Witu1Njd17S7G+2oa3JyHe0oXo"
    "QafVJZIiM1ldgaTJzDluXQ1OaxpiBadKnvGdJ1RdLsZ/v08XEmlGSPQ0ne+3RUGkGibyyV"
    "UG1s0kAklfSR2URRnZCBzx65hLsDMlbRGsO5Kro1BYEQG75V/+qqYihBcuyJOtCG8Irjzj"
    "bc/3YTmIwguqYgavKStpbHsQ+xNTsq1LWVyBp4YlB6lG21pzRF0okpvGtPKXf1yXGNUjYy"
    "RKYu2nKmrJROo7foRjrlgmR3+s+LVu+RxjjzYxtnjOt6pW2mRVyu5bc0mU8/ApeNRdBkPh"
    "lzVZW56oL53JoclNirojvHywxWdNHmKYNVNaCmhHu77ECPzC/XIarNFSmSTijTO6hTgx9V"
    "A4Sj5h1EdyvFqysNQtW2iWqDkKki8ZQNoiAd7HIz++P/AXVEx+4="
)
