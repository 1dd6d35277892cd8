# Drogowskaz: the bot in a small image. Build: docker build -t drogowskaz .
# Run: docker run -e DROGOWSKAZ_TOKEN=... -v drogowskaz-data:/data --ulimit nofile=4096:4096 drogowskaz
# File descriptors: webhook connections (DROGOWSKAZ_WEBHOOK_MAX_CONNECTIONS, default 500) plus
# ~300 for the Bot API pool, the database and files; keep `ulimit -n` above their sum.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY catalog ./catalog
COPY bot ./bot
COPY locales ./locales
# The project itself (its dependencies are bounded in pyproject.toml), not a PyPI package to pin.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir --prefix=/install ".[postgres]"

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DROGOWSKAZ_DATA_DIR=/data \
    DROGOWSKAZ_LEMMA_CACHE_DIR=/usr/local/share/drogowskaz/lemmas \
    DROGOWSKAZ_PLACES_CACHE_DIR=/usr/local/share/drogowskaz/places
COPY --from=build /install /usr/local
# `drogowskaz poster` lays printed pages out in DejaVu Sans (Polish and Cyrillic letters).
# Debian's font of the base image's release; nothing to pin it against across releases.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
# The lemma tables and the bundled places' index are built once here (about 15 s), so a
# container opens them in milliseconds; they are world-readable and the bot only reads them.
RUN drogowskaz lemmas \
    && python -c "from bot.settings import Settings; \
from catalog.places_store import builtin_gazetteer; \
builtin_gazetteer(cache=Settings().places_bundle_index_file)" \
    && chmod -R a+rX /usr/local/share/drogowskaz
RUN groupadd --system --gid 10001 drogowskaz \
    && useradd --system --uid 10001 --gid drogowskaz --home-dir /data --no-create-home drogowskaz \
    && mkdir /data \
    && chown drogowskaz:drogowskaz /data
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["drogowskaz", "health"]
STOPSIGNAL SIGTERM
CMD ["drogowskaz", "run"]
