-- Issue 21: no PKCS#12 or password is kept for a certificate awaiting its download; the
-- certificate is made at the one download.
UPDATE cert_applications SET p12 = NULL, p12_password = NULL;
ALTER TABLE cert_applications DROP COLUMN p12;
ALTER TABLE cert_applications DROP COLUMN p12_password;
