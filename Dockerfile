# The official Airflow image with cfg: a builder stage runs `make install` (the release build, the Swift runtime
# linked in), then apache/airflow gets the binary, the C libraries it needs at run time (dev/runtime-packages.txt,
# which the tests compare with this list and with what the binary links) and the project under /opt/cfg.
# The image keeps Airflow's own ENTRYPOINT; each service puts cfg in front of it (docs/exec-and-run.md).
# The commit `cfg --version` names comes from the context's .git, or: --build-arg CFG_COMMIT=$(git rev-parse HEAD)
FROM swift:6.3.1-bookworm AS builder
ARG CFG_COMMIT
RUN apt-get update \
 && apt-get install -y --no-install-recommends make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make install PREFIX=/usr/local

FROM apache/airflow:3.1.3
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4 libsodium23 libpq5 libhiredis0.14 libyaml-0-2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=builder /usr/local/bin/cfg /usr/local/bin/cfg
COPY environments/ /opt/cfg/environments/
COPY templates/ /opt/cfg/templates/
USER airflow
