# TEST FIXTURE ONLY (see build.sh): stands in for postgres:16 (holds Debian's PostgreSQL 15). Same
# interface as the official image for what compose.yaml uses: POSTGRES_USER, POSTGRES_DB,
# POSTGRES_PASSWORD(_FILE), data in /var/lib/postgresql/data, user postgres with uid/gid 999.
FROM blog-api-standin/bookworm-root:1
# Debian gave 999 to the caddy user; the official image gives it to postgres.
RUN userdel caddy && groupmod -g 999 postgres && usermod -u 999 -g 999 postgres \
    && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
    && chmod 0700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 0755 /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data LANG=C.UTF-8
USER postgres
VOLUME ["/var/lib/postgresql/data"]
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
