# One image for every Liaison process (gateway, partners, engagements, notifications, topic setup);
# docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

RUN useradd --create-home --uid 10001 liaison

# The code stays owned by root (read-only for the app); only var/ is writable.
COPY . .
RUN mkdir -p var && chown liaison:liaison var

USER liaison
EXPOSE 8000 8001 8002 8003
