-- Why a step ended as it did when its exit code does not say (a skipped step's reason, a
-- cancellation, a step killed for memory), from the producer's step_completed event; NULL when
-- none was given. The run page shows it beside the step.
ALTER TABLE workflow_steps ADD COLUMN note TEXT;
