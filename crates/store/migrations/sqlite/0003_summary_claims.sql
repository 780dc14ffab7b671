-- What each section of the RCC's narrative claims (goals achieved everywhere or in all but one region,
-- the area furthest from its goals, figures quoted), as JSON, so the narrative can be checked against
-- the data. Never edit this file once applied; add a new migration instead.
ALTER TABLE round_summary_sections ADD COLUMN claims TEXT NOT NULL DEFAULT '{}';
