import {isKvsError, type KvsError} from '../../src/errors.js'

/** The KvsError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function failureOf(promise: Promise<unknown>): Promise<KvsError> {
  try {
    await promise
  } catch (error) {
    if (isKvsError(error)) return error
    throw error
  }
  throw new Error('expected a failure')
}
