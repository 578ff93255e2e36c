# TEST FIXTURE ONLY (see build.sh): stands in for caddy:2 (Debian's Caddy 2.6), same paths and
# command as the official image.
FROM blog-api-standin/bookworm-root:1
ENV XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data
RUN mkdir -p /config /data /srv /etc/caddy
WORKDIR /srv
EXPOSE 80 443 443/udp
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
