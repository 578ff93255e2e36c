# TEST FIXTURE ONLY (see build.sh): stands in for python:3.11-slim with Debian bookworm's Python 3.11.
FROM blog-api-standin/bookworm-root:1
RUN ln -sf /usr/bin/python3 /usr/local/bin/python
# This machine's extra CA certificates (may be none), for pip behind an intercepting proxy.
COPY extra-ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
ENV LANG=C.UTF-8 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
CMD ["python3"]
