import {MemoryStorage} from '../../../src/storage/memory-storage.js'
import {describeStorageContract, type ContractStorage} from '../../support/storage-contract.js'

describeStorageContract('the in-memory twin', async () => {
  let storage: MemoryStorage<unknown, unknown, unknown, unknown> | null = null
  return {
    open: async () => {
      storage = storage ? storage.reopen() : new MemoryStorage()
      return storage as ContractStorage
    },
    remove: async () => undefined,
  }
})
