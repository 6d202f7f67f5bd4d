"""The delivery stage: e-mail and chat pushes of a written day, and alerts when a run fails.

`run` orchestrates (once-only deliveries recorded in the store), `channels` builds the configured
channels, one module per channel (`mail`, `feishu`, `dingtalk`, `wecom`, `slack`, `telegram`,
`webhook`) implements `base.Channel`.
"""
