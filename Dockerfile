# Dendrogram Explorer: the web app (gunicorn) or a Celery worker, same image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DENDRO_HOST=0.0.0.0 DENDRO_PORT=8050 DENDRO_DATA_DIR=/data

RUN useradd --create-home --uid 10001 dendro && mkdir -p /data && chown dendro /data
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY --chown=dendro . .

USER dendro
VOLUME ["/data"]
EXPOSE 8050
# Same entry point as the README's production command.
CMD ["gunicorn", "app:server"]
