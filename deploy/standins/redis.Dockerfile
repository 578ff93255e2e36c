# TEST FIXTURE ONLY (see build.sh): stands in for redis:7 (Debian's Redis 7.0), user redis with
# uid/gid 999 and /data as the working directory, like the official image.
FROM blog-api-standin/bookworm-root:1
# Debian gave 999 to the caddy user; the official image gives it to redis.
RUN userdel caddy && groupmod -g 999 redis && usermod -u 999 -g 999 redis \
    && mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
VOLUME ["/data"]
EXPOSE 6379
CMD ["redis-server"]
