# The default image of a workflow step's pod for the `kubernetes` sandbox backend
# (PLUE_SANDBOX_BACKEND=kubernetes, PLUE_K8S_STEP_IMAGE, as deploy/ sets them; with the `local`
# backend steps see the controller image's /usr instead). The backend runs tar, /bin/sh and /usr/bin/env in it. Build
# from the repository root:
#   docker build -f runner-controller/step.Dockerfile -t plue-step .
# It matches what a step sees locally (docs/workflows.md, "What a step sees"): /bin/sh, git and
# python3 at /usr/bin/python3, with the `plue` SDK at /opt/plue-sdk, where workflow evaluation
# (evaluate.ts: `python3 -m plue.evaluate` with PYTHONPATH=/opt/plue-sdk) expects it. The pod
# runs it as uid 1001 (the local backend's step uid) with a read-only root filesystem and a
# writable workspace volume at /workspace, which is also $HOME.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      ca-certificates curl git make python3 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 1001 runner \
    && useradd --uid 1001 --gid 1001 --home-dir /workspace --no-create-home --shell /bin/sh runner \
    && mkdir -p /workspace /run/plue && chown runner:runner /workspace
COPY runner-controller/sdk/plue /opt/plue-sdk/plue
ENV HOME=/workspace PYTHONDONTWRITEBYTECODE=1
USER 1001
WORKDIR /workspace
CMD ["/bin/sh"]
