-- 0007: how many starts of a run in a row ended without a clean stop (a crash loop fails the run instead of
-- resuming it forever), and run options under TRL's names: this version's code step (RunConfigUpgrade) rewrites
-- every stored config once (save_every → save_steps, batch_size → per_device_train_batch_size, …).
ALTER TABLE runs ADD COLUMN Attempts INTEGER NOT NULL DEFAULT 0;
