import {openStorage} from '../../../src/storage/storage.js'
import {describeStorageContract} from '../../support/storage-contract.js'
import {recordingLog, tempDir} from './support.js'

describeStorageContract('the data directory', async () => {
  const dir = await tempDir()
  return {
    open: () => openStorage({dir: dir.path, fsync: 'never', log: recordingLog()}),
    remove: () => dir.remove(),
  }
})
