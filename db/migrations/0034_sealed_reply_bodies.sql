-- The text of inbound SMS is stored sealed (db/sealed-fields.ts): `body_sealed`, the base64 of an
-- encrypted value, replaces the plain `body` in sms_reply events and in the proofs of opt-outs,
-- complaints and SMS double opt-ins. The step after the SQL migrations seals the bodies written
-- before this one (sealLegacyBodies) and deletes this pending step when none is left.
INSERT INTO personal_data_pending VALUES ('seal_bodies') ON CONFLICT DO NOTHING;
