-- When a push last moved a ref (GitHub's pushed_at); NULL until the first push. Lists show
-- and sort by the later of updated_at (the record) and pushed_at.
ALTER TABLE repositories ADD COLUMN pushed_at TIMESTAMPTZ;
