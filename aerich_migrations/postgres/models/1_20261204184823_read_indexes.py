from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


# Indexes for the public reads (EXPLAINed in tests/blogs/test_query_plans.py):
# - full-text search: each post's document as a stored tsvector, kept by PostgreSQL itself, with
#   a GIN index. Computing to_tsvector per row at query time cost ~0.13 ms a post, and the
#   planner, not counting that, walked the date index computing it for every post it passed
#   (40 ms for a word in 6 % of 10,000 posts). Not a model field: the ORM never writes it.
# - a tag's posts: the many-to-many table was indexed only by (blog, tag).
async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "blogs" ADD COLUMN IF NOT EXISTS "search_vector" tsvector
            GENERATED ALWAYS AS (TO_TSVECTOR('english'::regconfig, ("title" || ' ' || "content")))
            STORED;
        CREATE INDEX IF NOT EXISTS "idx_blogs_search_vector" ON "blogs" USING GIN ("search_vector");
        CREATE INDEX IF NOT EXISTS "idx_blog_tags_tag_blog" ON "blog_tags" ("tag_id", "blogs_id");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_blog_tags_tag_blog";
        DROP INDEX IF EXISTS "idx_blogs_search_vector";
        ALTER TABLE "blogs" DROP COLUMN IF EXISTS "search_vector";"""


MODELS_STATE = (
    "eJztXVlz2zi2/isovbRd5c6N5XgZp29X2Vm6PZ3EU4m7Z2riLgkiIQnXJMghQMuaufnvgw"
    "Pum0RqM8XgIY4E4gDQd0AAZ8V/erZjEou/+J0Tr3eJ/tNj2CbyQ6b8CPWw6yalUCDwyFIV"
    "fVlDleARFx42hCwcY4sTWWQSbnjUFdRhUPWKIWwYjs/EazQkNqbWEFGOuHA8YiLmeDa2KJ"
    "cfDyxnRjxkYE4OEXeQz+i/fMII51Afin+kjBPGqaCP5AX0bjqG7J6yybY7CqoMhDMhYqpA"
    "+/qnLKbMJE+ER1/dh8GYEsvMYEpNaECVD8TcVWU3TLxXFeE3jAaGY/k2Syq7czF1WFybMg"
    "GlEzlEDwsCzQvPB6iZb1khSyL0g5EmVYIhpmhMMsa+BQwD6mAASVlvMPh0ezf48u5uMOgV"
    "mBlRpGAPiwyHwUSQQ+Xq109gCD/2j1+dv7o4OXt1IauoYcYl59+CrhNgAkIFz6e73jf1HA"
    "sc1FAYJ6Aq9hZxfTPFXjmwMUEOWznoPLYRku0F18ZPA4uwiZjKryf9lwug/OPq85tfrz4f"
    "yFqH0KUjX9bgFf4UPuoHzwDvBF94v9XnBhCnaTqIci2QF2Cch9jFnM8czxxMMZ82wblAuB"
    "mwo4IE7WRB3znc/dPTGnjLWpWAq2dZxD3HqpjQ75hvK7Bv5JgwM0gB9Ih2d1ir96nXDG1F"
    "c4ng7z2zjgdyA/ecRyhKfbln2LQpu0Tqv/w2Woc7x2c1mHN8VskbeJRlDeUDeYiQu22RP9"
    "eOhB6ziv0yTZfjzUgSbos50UK0hRdhAbTXt7cfoGWb839ZquDmLofx7x+v30nsFfSyEhUk"
    "vaEmgBseAUgGWBQRfyufCGqTcsizlDnMzZD0RfRhH1ci+QPNW2bNQz4vYMjdzcd3X+6uPv"
    "4tw5W3V3fv4Elflc5zpQf59yJuBP395u5XBF/RP28/vVPwOlxMPNVjUu/unz0YE/aFM2DO"
    "bIDN1N4YlUaoZbd111yR61lKzfW2cD3CKMV2NXoQR8YPqbMzFIyw8TDD8uSQeZLaIMlY9j"
    "qVYs6DlH5KluKQ/v1vn4mFFcLFyRDKkJ+Dtu6gqT2cDt+iFyAqTaZFghdzBB1TQyGxJlyf"
    "Uk11FS5q4wlZE6cbaKOrAI0sZ7ImPteyia7C45FHSmZyE9odTuGmulcwAToDwIqvvywBTJ"
    "/Dpjo/rZ4Hs32cYgFka58QoJGOImQ4tk2AYC2I3gStdPXNk7+RgFCxa7D2cUJRk9iuIwgz"
    "5oMHMl/3GJW09huZd3V+jQkWvkfkwi7HzNedX++D1j4HjX0nmA0e5SzZKHB/yAa7Cp7p4f"
    "G60+wttNElgEDz4PSdKl1E8ZHdt/MlmEmxzwz7hp7KtAwlluy8FqLaol3UfSw3bd8ygkI6"
    "pOheI88Rir+y/FGWcEQFwsxElHM5+ZGYEsTIk0COJKVMfedyyLIHm1rzolF7O11oc3a7zN"
    "mKs40NgVmqzplcz17VsDKdvaq0MsGjrNEjeAMGZVO4GuUM0bbMf10ybGvTUjX0+2lkqGNa"
    "Ik8ula2twPUsZQe5vidcLjElFdkcnDlWebmzlBtgczul+E5wGRxISrfJypNeimL5cW8P3t"
    "lNnPgKNtgswEV03zseoRP2G5kXnJHKZcXIUXfPwK0SFWWxh2ex0JGeVPK3B9pCdVi7+vLm"
    "6u273rdqo/Y2hc6MrbZE6MzbcquFzoIBuZ7MSR4JkzKfacpXHhyahaOEPYDrCI0dL5ABU2"
    "0ji/JQSBQcwSEE2dh74OXy5uaav2f37O8eFYIwNJqjoUcMcFxUHQwj4VT+YMbBi0s25IxV"
    "kTHFbELQAXTrOTPkEi81HhjI4RHizj2DyqpzcNx2bBdmiBo/mk2pRdBnYlLl1W06M6ZGyA"
    "gxuRy9HKaF52jkOA8PhLjy51dJxl/jt1WNu/dnTlROnsMvh/3tz0bS8zWdfC8C9F/6/ZOT"
    "8/7Lk7OL01fn56cXL+N1tfho0QJ7ffMLrLGZDXK5mK0lk2oGdVcyid7KxudVrA+r+3BYVa"
    "ty6Wl10cqapurSiXUnS6yWFLSksF+SQmHB2ACmt74YOU/vHrvloZGHNr1QtkkKS6NfIoTl"
    "mFMtgzmqYiCT1A9pDWSkGaZCYqyEogP5z8VcHCLXH1mRZCRlJ5BRguqyXYLt0sjVddoDKW"
    "sYfJZ8UkGvY2pZUlKaTUkgYwXCzhTzoDE+JSCrvQbT4UjKZHZoN1TN/hBWMhA1t2Et1PLO"
    "ruQdBWAB/wUGxbB+BwMKN29MdAzD97yVpMkcaQfFyS7JF3IrcBqecdMkKx1yWyYubsb/IY"
    "GU+6P/I4YYPMjf02SBytN1cKHavD0+Aq3RDM4SaUGtZBJj36QkFBCyqP71y+2nioUhRZNf"
    "9qkh0P8rbfYegrsAOUAjs9ZHk/Xg49U/8vP4zYfb6/wiDg1c58CHM08T4KP6GvQ1QI9lhx"
    "XOPHnanehUd3nk79KRJxYmG23OaaKVdua2nXq2sDGvFJet44yf1ck8iDku0THFwcjV2qUk"
    "5rmead93LQeboJ0BQoTHgnjokXiJrR2M2DYRGHY00ABRNzZeFyz5K7cWqJSmuH96NkTwqw"
    "P9UJhLbQym9YPhT0GFn1/8RJ7Ez0NlkkfUJEzI1q2wc45kLS8glWN4jQg2pvcseChLqWWh"
    "CRFcuQ6AkR7s/SNiYJ8T+E48PqUuOphNHWTjOcJCyAZk7UPQc4FjQPgjPe3Z3kLP9mCKNN"
    "pGYoruOVtvwaVdvopNE7WlaTooQV/UyYd3UZ0O76KQDU92J8AI0lSfmqfrINibV1fMqClK"
    "wmAqV+K4vlZSlCgppoROpiXCWiWcCYHGs0xzSf9NBqN5aUxstTItQ6Rx1fnoGkHdXdc8db"
    "5vpphOk+g3abn/kMKriK92IMp6uaSn1Y69XJbm//qI2fzOgb81ebVqErBnlUQXcEr9rEFO"
    "+RL9SHBtgfW/JMuc4ykGPJB5jG7I4pg54TNFFD4TU8/xJ9OIZJA0WDoxZPkgL/F/W6hPUi"
    "MvUSdFv6hamxRPkBo+SgjW6hdo+Eg8yEQ1RBPPmXE0o2IKfj7ePIqyABXQxJdg8LB85lEB"
    "wReyLZtyQQ1kOcaD5N1hievSVrpR6qe0xSDI5E8gqYFSRI2pBxEnKqMxtsLADtkqsp1Hwg"
    "NFF/CXK50URhZ9JGqkCII9+D0DbZNrYSNOkRC6PKlgEuU2hVGUDwyiUqgKMQlTKNd1i/oq"
    "RTws/ODUl7N/yLkma6drZA8y8FyrqnaahIGKqvzgFe5SEUEH5fr+yzpaFFmrOgH7y4IehV"
    "v+pJEqMKzfudQW/Vp3NvQX3NnQL97ZEGqbigDfkaeKpSFF0ok5vEg0evePu8UG8Vgy+nD7"
    "6Zeoet5KXq4YnAq75DaSpbjHdBr8FcAnTwbx3JL5vuAWmISkE5DndLG11uyTBWv2ScmaHZ"
    "9PiiAvvzYjdf7Z3cUZLmEmoNYM9IjsEoUf7ll03LuMD373zCPgFwdl0af8mbgOqzZ/g4ZW"
    "oK20MLVIYVbLM0ff4PBdsJn7IxvSJqzC6DytZnWrWR2nH18ppVKaVIept5vPcFyQAAzkfs"
    "sD77u68kIZbRc8LHctMuydA3NruLFvb1uojm6gJk1R7M6ueLwlVm4+1kUi0jQILk2jTbUl"
    "qCYX2pQnpa2EtkioowyXWsKD+VhEWZvCs6bwzHu7PJtGai7uDtuWzdy60Bbf2wy+chjo0+"
    "8fPixyNsgCr694qowIeb77ivYSIn1hUQVIG/PuEXgjzj13uPu+PeFvzLv2JP5RWc8eiWyF"
    "X0/a5yfv1xPxo5ZXT1HCqLrNsjFDV77Scq9YGv/KukxNu2Q1YWtDd62AsUv9teIdssJvK7"
    "2DLvbfyl4zWMeRK5RMwQ0JKyemHzgS5Elcho5UkXEqqnik/KFkmawrS4mpQuvGiRNUSd7f"
    "rfSi3LiYb4+Ipxy4wM8q6iYoRth22CRpO8YGHRyj/825eR2+Dt2wgD9Bgt8gA3DsqKUiAp"
    "XxDjleGO5IIa0Wj6111Vl+R6H7XTCyQppf7Yy1S2eskAn1gU0ItChc1DSMMCeDxpjmqDSw"
    "RWC10+C2nQa1W9vOzSTlkkp1cp2o/u6T6/R+GvssuDpg5FNLUMZfQH8/93bPiq2k3IlOwY"
    "34kSHSTNk4U7RPnPaJ23MPmg4HlWqHmu/DxK8dap7/pKj9AnrbkNaVHrMJpikKjaj2tHhm"
    "T4tIk7qmL8CqYeztWIOXOgOk3tnlXhbaeaUeqNp5ZX+cV3bnkbEniG81i2kIVon9MoGxhu"
    "UyZFq9bKYmMcIMCiw0KoJdzikmV7hUtkHIji7gPlBqleczXbM9nRy0XUa+iJ2ratLS9G1W"
    "9Pf2SWm2ijCtReg1cghoJeV3qKTUIv6WRPyGyqgclRbuy4GFXbY5sCkqDazWmuxea+KlvD"
    "I3AGuDMImWTd0mMn7qra2tQNmhZmqPkU1tNI1VJ9tUDYC7fYleIPTCr1YKRH4/dZyYLUf+"
    "eANzgiCr22sUHl5BeA+8fH1OytySa9Np4b5dwn3TWyk2eyNFi5L97fziqI1FLOl8xBvIRx"
    "w7U9bPRpzEM60Vs7Q8E3EUrley+Kci+ao3gHTQYJ1NIKyfqG+PVJwG8ohrzeFucyz/uD9a"
    "5JFYceWDILNvppb6WJqOeNNdQAzLW4A6jC/hzlhcomGAvkpN/D/xl9F8iNRdV0So4BjQQY"
    "8cc65iVlQPfApXXOGJnE9BZmIIYAEtR5CXWF2CxafYJegA+qdEfhV4jnz5Cnhq6LaE2WHk"
    "MLi5S7JEctvxuKKXZRmd9z0bGrINJqJr4Y2pwwlDo7kaWvBMXTYPl3LJIc4iRC4VABJWud"
    "MGO26Q0VldAiYnimz5IDC1HaG4i8Oh3JKZyVMZmuVIEZUvEPxCZ6wuAYPgHIxM31V32lfu"
    "3V9TJs+4h0JQThK1o/Ml73qDh5ndRE0c1W+zpr69WuL4FWhwpMoQdUE3v+3b1LQuvhr67u"
    "riIXR1JaZnCLWzcJudhZPzWlMmZyk1l9vMZe2OvLmDn7ZVbg/RRGBshmuBTpvViuC6UgSv"
    "OCpXApuh0aBqW6X28G4rqA09vIM3ewOw1k9t1rKloC6wmTVwObDJXqRtv0uQLWzbaznOK7"
    "VwEfPtpOnbE8S36jl/YxLbdQRhxvw3ZaApGEtyNY4W2UxoUhfsPbVtJ6A7VxmyuEQ0yNLl"
    "EckULpCNzVA/jxkapgbzoxzNsMxKsl5jpep6P3yFwYa1Vu6sazr5XnTzf+n3T07O+y9Pzi"
    "5OX52fn168jM9pxUeLDmzXN7/Ame0oLXgv1+A/kJK1u1qdHFbvhP4+l7jo9LRO4qLT0+rE"
    "RfAslyXEcNxGHhAxQQcRPu5f1AlU6F9URyrAsyzCY9k/8VyPlh3wqnHOkXUQ7c1bRoKkNR"
    "JEs2RKVy7XOSqtCyp1r+au7IEMyu2p1VmeCoS7z/T0PGrpreR0itGcEnkA8hrl2yqj1cxY"
    "gxnaDlu9/HTYDvvkUtnaKobYDOVuuP4MvohtZ3ItGx3Iic2U8ykKfYJYrpuPBHGtRl6kk0"
    "tNqnJd5/OEYryX25fvkc+BMqZXomvK1ThapGsaB3UHoW6nQeaGkOIFGj46gkg4fSaUC+kD"
    "cQWiDHFB3EBNNPxD1hgiz5lx8PWkJgkSvctS8ENlHKtMa+UZHbbUz/JgkK+9pEOgAP/RI/"
    "S1J8VCx6NiPpAtPkQPtGPpLh1LdU7tbefUTo+sgHO1B2+OrBNo79qRt+25gwsLyQZTBxuG"
    "XNRVFpTw073s1rAog7LokyxzGJHf5d/8llFL07jxjCjRlrAq09L0LfbC7lnO7BLiLe+ZTU"
    "zq25co+P+eTelkeong7z2TFIIa2LpE0ad2cSneuLOs+mJjy6r2/8kT707QeLndXfqkf34W"
    "b9DwZdHe/OXj1YcP1SrKJntFmqbFk761+0T2dFrzhJkl6swc3piuXesVq6Hurl7Rd80VuZ"
    "6l1FxvC9dLFI2FC00j2+MUs8lKzC9tQMd/tIflOv7jWfTL2lG5noa5hqNyHYdPONOt6e6Z"
    "VRmDGrVDsG/V9bMEuaUq+Qjf2mr5Qczierp5MF38wJXi+7VSgQcsQi6mHrLxA+EII04kUm"
    "agHae2XGg5lb0fwWWuLEwnIXsiJVfBbqeLUp9RLzFiKKuVvnP1OfXuWjrq2jm53nVZwSLU"
    "MLtnmkifmkp0DdrPYcvn0NTmseZBtGhS3zOk6x5Js6/t8hgv7Uqyx64kbz08LvUgCR4sPK"
    "GaUKXBkZTjR2IiRfUCDaMsskM0Ud4ao7lKBOZCAjRZ8bX6y1WqNDhBUmgJW5CyjYry8+iG"
    "299uAJM+iK55ENVxSVuL49gH35pebyfg6tvqu2Ep1VektzCCozrz/tIbI3Yr/xy3eo/Uyp"
    "nvWzmjTdcrbTMt4nItu6WOfPoeuKw1gjrySaurqtRVV8SjxrRXoq8KnxwtUljhpM4yhVU1"
    "oPoKmXbpgR6JV309bIUHbELSCWF6B3lq4KVqgHBYvYPoHtdSCB0vUAgdN1AIVesmqhVCOo"
    "vEMh1E4XSwy83s238BQX/QDw=="
)
