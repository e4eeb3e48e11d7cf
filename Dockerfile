# Innovation Bot. Build: docker build -t innovation-bot .
# Run (HTTP mode): docker run --env-file .env -p 3000:3000 -v innovation-data:/data innovation-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////data/innovation-bot.db \
    PORT=3000

RUN useradd --create-home --uid 10001 bot && mkdir /data && chown bot /data
WORKDIR /app

# Dependencies first, from pyproject.toml, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY blocks ./blocks
COPY slackapi ./slackapi
COPY runtime ./runtime
COPY handlers ./handlers
COPY storage ./storage
COPY migrations ./migrations
COPY fakeslack ./fakeslack
COPY main.py ./
RUN pip install .

USER bot
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"
CMD ["python", "main.py"]
