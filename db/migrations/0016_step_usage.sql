-- What a model step (llm / agent) produced and used, from the producer's step_completed event:
-- `output` is the step's validated output (what later steps read as <step>.output), `usage` its
-- accounting {model, turns, input_tokens, output_tokens, wall_ms, cost_usd}. NULL for shell steps.
ALTER TABLE workflow_steps ADD COLUMN usage JSONB;
ALTER TABLE workflow_steps ADD COLUMN output JSONB;
