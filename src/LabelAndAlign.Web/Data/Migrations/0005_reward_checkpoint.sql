-- 0005: the reward model a PPO/GRPO run scores completions with, and what a labeling project's
-- snapshot was frozen from (project, number of labels, the labelers' emails) for lineage.
ALTER TABLE runs ADD COLUMN RewardCheckpointId INTEGER NULL;
ALTER TABLE datasets ADD COLUMN SourceProjectId INTEGER NULL;
ALTER TABLE datasets ADD COLUMN SourceLabelCount INTEGER NULL;
ALTER TABLE datasets ADD COLUMN SourceLabelersJson TEXT NULL;
-- Snapshots made before this version name their project in Source ('snapshot:project-<id>:<guid>');
-- their label count and labelers were not recorded at freeze time and stay NULL.
UPDATE datasets SET SourceProjectId = CAST(substr(Source, 18) AS INTEGER) WHERE Source LIKE 'snapshot:project-%';
