# oprisk with the HTTP API, installed from pinned versions (docker/constraints.txt), run as a
# non-root user. Build: docker build -t oprisk:local .   Run: see docker-compose.yml.
FROM python:3.11.11-slim-bookworm AS build
WORKDIR /src
COPY docker/constraints.txt ./constraints.txt
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --wheel-dir /wheels --constraint constraints.txt '.[http]'

FROM python:3.11.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN useradd --system --uid 10001 --create-home --home-dir /home/oprisk oprisk
COPY --from=build /wheels /wheels
COPY docker/constraints.txt /tmp/constraints.txt
RUN pip install --no-cache-dir --no-index --find-links /wheels --constraint /tmp/constraints.txt \
        'oprisk[http]' \
    && rm -rf /wheels /tmp/constraints.txt
USER oprisk
WORKDIR /home/oprisk
EXPOSE 8000
ENTRYPOINT ["oprisk"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
