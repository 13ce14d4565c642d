/** The PostgreSQL majors pg-bundle builds, verifies and pins: adding one is this one edit. */
export const SUPPORTED_MAJORS: readonly number[] = [14, 15, 16, 17, 18];
