<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>BatchTab</name>
    <message>
        <source>not an image file (or an unsupported format)</source>
        <translation>不是图像文件（或格式不受支持）</translation>
    </message>
    <message>
        <source>the file is truncated or damaged</source>
        <translation>文件不完整或已损坏</translation>
    </message>
    <message>
        <source>animated image: only the first frame is used</source>
        <translation>动画图像：只使用第一帧</translation>
    </message>
    <message>
        <source>the file holds several images: only the first is used</source>
        <translation>文件包含多张图像：只使用第一张</translation>
    </message>
    <message>
        <source>16-bit image converted to 8 bits</source>
        <translation>16 位图像已转换为 8 位</translation>
    </message>
    <message>
        <source>a file that this batch did not write has the output&apos;s name and is never replaced; move it or choose another output folder</source>
        <translation>一个并非本批处理写入的文件与输出同名，它不会被替换；请移走它或选择其他输出文件夹</translation>
    </message>
    <message>
        <source>the file is empty</source>
        <translation>文件为空</translation>
    </message>
    <message>
        <source>the file does not exist</source>
        <translation>文件不存在</translation>
    </message>
    <message>
        <source>no face found: only the background was upscaled</source>
        <translation>未找到人脸：只放大了背景</translation>
    </message>
    <message>
        <source>Cannot start the batch</source>
        <translation>无法开始批处理</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>choose an input folder first</source>
        <translation>请先选择输入文件夹</translation>
    </message>
    <message>
        <source>no such folder</source>
        <translation>文件夹不存在</translation>
    </message>
    <message>
        <source>choose an output folder first</source>
        <translation>请先选择输出文件夹</translation>
    </message>
    <message>
        <source>no images found (supported: jpg, png, webp, bmp, tiff, gif)</source>
        <translation>未找到图像（支持 jpg、png、webp、bmp、tiff、gif）</translation>
    </message>
    <message>
        <source>ETA %1</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <source>%1 of %2 files</source>
        <translation>已处理 %1 / %2 个文件</translation>
    </message>
    <message>
        <source>%1 done, %2 skipped, %3 failed in %4</source>
        <translation>完成 %1 个，跳过 %2 个，失败 %3 个，用时 %4</translation>
    </message>
    <message>
        <source>The batch stopped</source>
        <translation>批处理已中止</translation>
    </message>
    <message>
        <source>Cancelled: finished files are kept; start again to do the rest.</source>
        <translation>已取消：已完成的文件会保留；再次开始即可处理其余文件。</translation>
    </message>
    <message>
        <source>Resumed</source>
        <translation>已继续</translation>
    </message>
    <message>
        <source>Paused: the current file is finished first.</source>
        <translation>已暂停：当前文件会先处理完。</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>the result exists: %1</source>
        <translation>结果已存在：%1</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>running</source>
        <translation>处理中</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>skipped</source>
        <translation>已跳过</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>I&amp;nput folder:</source>
        <translation>输入文件夹(&amp;N):</translation>
    </message>
    <message>
        <source>&amp;Output folder:</source>
        <translation>输出文件夹(&amp;O):</translation>
    </message>
    <message>
        <source>Form&amp;at:</source>
        <translation>格式(&amp;A):</translation>
    </message>
    <message>
        <source>Name &amp;suffix:</source>
        <translation>文件名后缀(&amp;S):</translation>
    </message>
    <message>
        <source>Folder of photos to restore</source>
        <translation>要修复的照片所在文件夹</translation>
    </message>
    <message>
        <source>Folder for the restored photos</source>
        <translation>修复后照片的保存文件夹</translation>
    </message>
    <message>
        <source>a folder of photos (or drop one on this tab)</source>
        <translation>照片文件夹（也可拖放到此标签页）</translation>
    </message>
    <message>
        <source>where the restored photos go</source>
        <translation>修复后照片的保存位置</translation>
    </message>
    <message>
        <source>Same as input</source>
        <translation>与输入相同</translation>
    </message>
    <message>
        <source>e.g. _restored</source>
        <translation>例如 _restored</translation>
    </message>
    <message>
        <source>Save face cro&amp;ps</source>
        <translation>保存人脸裁剪图(&amp;P)</translation>
    </message>
    <message>
        <source>Save &amp;comparison</source>
        <translation>保存对比图(&amp;C)</translation>
    </message>
    <message>
        <source>Include sub-fold&amp;ers</source>
        <translation>包含子文件夹(&amp;E)</translation>
    </message>
    <message>
        <source>Over&amp;write finished files</source>
        <translation>覆盖已完成的文件(&amp;W)</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Faces</source>
        <translation>人脸</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Open output folder</source>
        <translation>打开输出文件夹</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Go on with the next file</source>
        <translation>继续处理下一个文件</translation>
    </message>
    <message>
        <source>Stop after the current file until you resume</source>
        <translation>处理完当前文件后暂停，直到你点击继续</translation>
    </message>
    <message>
        <source>The photos to restore: every image in this folder</source>
        <translation>要修复的照片：此文件夹中的所有图像</translation>
    </message>
    <message>
        <source>Restored photos are written here; originals are never replaced</source>
        <translation>修复后的照片写入此处；原图永远不会被替换</translation>
    </message>
    <message>
        <source>File format of the results; “Same as input” keeps JPEG, PNG and WebP and writes other formats as PNG</source>
        <translation>结果的文件格式；“与输入相同”保留 JPEG、PNG 和 WebP，其他格式写为 PNG</translation>
    </message>
    <message>
        <source>Text appended to each result&apos;s file name</source>
        <translation>追加到每个结果文件名后的文字</translation>
    </message>
    <message>
        <source>Also write each restored face as its own image (faces/)</source>
        <translation>另外将每张修复后的人脸单独保存为图像（faces/）</translation>
    </message>
    <message>
        <source>Also write a before|after image of each photo (compare/)</source>
        <translation>另外为每张照片保存一张修复前|修复后的对比图（compare/）</translation>
    </message>
    <message>
        <source>Also restore photos in sub-folders, mirroring them in the output</source>
        <translation>同时修复子文件夹中的照片，并在输出中保持相同的目录结构</translation>
    </message>
    <message>
        <source>Restore again files whose result exists (else they are skipped)</source>
        <translation>重新修复已有结果的文件（否则会跳过）</translation>
    </message>
    <message>
        <source>Every file of the batch and what became of it; double-click a finished file to compare it with its photo in the Restore tab</source>
        <translation>批处理中的每个文件及其处理结果；双击已完成的文件，可在“修复”标签页中将其与原照片对比</translation>
    </message>
    <message>
        <source>Options</source>
        <translation>选项</translation>
    </message>
    <message>
        <source>Output files</source>
        <translation>输出文件</translation>
    </message>
    <message>
        <source>%1 face(s) larger than the %2-px model kept as upscaled: tick “%3”, then start again with “%4”</source>
        <translation>%1 张人脸大于 %2 像素的模型输入，仅作放大：勾选“%3”，然后勾选“%4”重新开始</translation>
    </message>
    <message>
        <source>%1 face(s) larger than the %2-px model kept as upscaled: tick “%3” or choose a %4-px model such as %5, then start again with “%6”</source>
        <translation>%1 张人脸大于 %2 像素的模型输入，仅作放大：勾选“%3”或选择 %4 像素的模型（例如 %5），然后勾选“%6”重新开始</translation>
    </message>
    <message>
        <source>Files handled so far</source>
        <translation>已处理的文件</translation>
    </message>
    <message>
        <source>Restore every photo of the input folder; finished files are skipped</source>
        <translation>修复输入文件夹中的所有照片；已完成的文件会跳过</translation>
    </message>
    <message>
        <source>Stop the batch; finished files are kept</source>
        <translation>停止批处理；已完成的文件会保留</translation>
    </message>
    <message>
        <source>Show the output folder in the file manager</source>
        <translation>在文件管理器中显示输出文件夹</translation>
    </message>
</context>
<context>
    <name>PathField</name>
    <message>
        <source>Choose a folder</source>
        <translation>选择文件夹</translation>
    </message>
</context>
<context>
    <name>TrainTab</name>
    <message>
        <source>Preparing the data and the model…</source>
        <translation>正在准备数据和模型…</translation>
    </message>
    <message>
        <source>Training: step %1 of %2.</source>
        <translation>训练中：第 %1 / %2 步。</translation>
    </message>
    <message>
        <source>Last validation (step %1): PSNR-Y %2 dB, bicubic %3 dB.</source>
        <translation>最近一次验证（第 %1 步）：PSNR-Y %2 dB，双三次插值 %3 dB。</translation>
    </message>
    <message>
        <source>Loss axis: log scale</source>
        <translation>损失轴：对数刻度</translation>
    </message>
    <message>
        <source>A logarithmic loss axis, for losses that span decades (GAN stage)</source>
        <translation>对数刻度的损失轴，适合跨越多个数量级的损失（GAN 阶段）</translation>
    </message>
    <message>
        <source>Output of the training process (errors appear here); drag the line above it to make it taller</source>
        <translation>训练进程的输出（错误信息显示在这里）；拖动其上方的分隔线可以调高</translation>
    </message>
    <message>
        <source>Latest validation samples, a column per face: input, model output, original; double-click to zoom into them</source>
        <translation>最新验证样例，每列一张人脸：输入、模型输出、原图；双击可放大查看</translation>
    </message>
    <message>
        <source>%1
preset %2, %3 stage, %4 steps
dataset: %5</source>
        <translation>%1
预设 %2，%3 阶段，%4 步
数据集：%5</translation>
    </message>
    <message>
        <source>Cannot start training</source>
        <translation>无法开始训练</translation>
    </message>
    <message>
        <source>Cannot resume</source>
        <translation>无法继续训练</translation>
    </message>
    <message>
        <source>Stopping: the run writes a checkpoint and exits…</source>
        <translation>正在停止：训练将保存检查点后退出…</translation>
    </message>
    <message>
        <source>Cannot add the model</source>
        <translation>无法添加模型</translation>
    </message>
    <message>
        <source>Added the model “%1”: %2</source>
        <translation>已添加模型“%1”：%2</translation>
    </message>
    <message>
        <source>choose a dataset folder (face images) first</source>
        <translation>请先选择数据集文件夹（人脸图像）</translation>
    </message>
    <message>
        <source>Starting the training process…</source>
        <translation>正在启动训练进程…</translation>
    </message>
    <message>
        <source>The training process crashed: %1</source>
        <translation>训练进程崩溃：%1</translation>
    </message>
    <message>
        <source>Training failed (exit code %1): %2</source>
        <translation>训练失败（退出码 %1）：%2</translation>
    </message>
    <message>
        <source>Stopped at step %1 with a checkpoint; Resume continues it.</source>
        <translation>已在第 %1 步停止并保存检查点；点击“继续”可接着训练。</translation>
    </message>
    <message>
        <source>Finished: %1 steps.</source>
        <translation>已完成：共 %1 步。</translation>
    </message>
    <message>
        <source>Cannot start the training process (%1): %2</source>
        <translation>无法启动训练进程（%1）：%2</translation>
    </message>
    <message>
        <source>Cannot stop the run</source>
        <translation>无法停止训练</translation>
    </message>
    <message>
        <source>step %1</source>
        <translation>第 %1 步</translation>
    </message>
    <message>
        <source>%1 images/s</source>
        <translation>%1 张图像/秒</translation>
    </message>
    <message>
        <source>ETA %1</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <source>best PSNR-Y %1 dB at step %2</source>
        <translation>最佳 PSNR-Y %1 dB（第 %2 步）</translation>
    </message>
    <message>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <source>&amp;Dataset folder:</source>
        <translation>数据集文件夹(&amp;D):</translation>
    </message>
    <message>
        <source>Validati&amp;on folder:</source>
        <translation>验证集文件夹(&amp;O):</translation>
    </message>
    <message>
        <source>&amp;Preset:</source>
        <translation>预设(&amp;P):</translation>
    </message>
    <message>
        <source>Sta&amp;ge:</source>
        <translation>阶段(&amp;G):</translation>
    </message>
    <message>
        <source>&amp;Init from:</source>
        <translation>初始化自(&amp;I):</translation>
    </message>
    <message>
        <source>&amp;Steps:</source>
        <translation>步数(&amp;S):</translation>
    </message>
    <message>
        <source>&amp;Batch size:</source>
        <translation>批大小(&amp;B):</translation>
    </message>
    <message>
        <source>&amp;Learning rate:</source>
        <translation>学习率(&amp;L):</translation>
    </message>
    <message>
        <source>Sc&amp;ale:</source>
        <translation>放大倍数(&amp;A):</translation>
    </message>
    <message>
        <source>R&amp;un folder:</source>
        <translation>运行文件夹(&amp;U):</translation>
    </message>
    <message>
        <source>E&amp;xtra flags:</source>
        <translation>额外参数(&amp;X):</translation>
    </message>
    <message>
        <source>New run</source>
        <translation>新的训练</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>训练记录</translation>
    </message>
    <message>
        <source>SRGAN (SRResNet, as in the seed papers)</source>
        <translation>SRGAN（SRResNet，同原始论文）</translation>
    </message>
    <message>
        <source>RCAN + relativistic GAN</source>
        <translation>RCAN + 相对论 GAN</translation>
    </message>
    <message>
        <source>Quick CPU run (small RCAN)</source>
        <translation>CPU 快速训练（小型 RCAN）</translation>
    </message>
    <message>
        <source>Pixel pre-training</source>
        <translation>像素损失预训练</translation>
    </message>
    <message>
        <source>GAN fine-tuning</source>
        <translation>GAN 微调</translation>
    </message>
    <message>
        <source>Folder of face images to train on</source>
        <translation>用于训练的人脸图像文件夹</translation>
    </message>
    <message>
        <source>Folder of validation face images</source>
        <translation>验证用人脸图像文件夹</translation>
    </message>
    <message>
        <source>Pixel-stage run folder to start from</source>
        <translation>作为起点的像素阶段运行文件夹</translation>
    </message>
    <message>
        <source>Folder for the new run</source>
        <translation>新训练的保存文件夹</translation>
    </message>
    <message>
        <source>optional: else some dataset images are held out</source>
        <translation>可选：留空则从数据集中留出部分图像</translation>
    </message>
    <message>
        <source>gan stage: a pixel-stage run folder</source>
        <translation>GAN 阶段：像素阶段的运行文件夹</translation>
    </message>
    <message>
        <source>automatic: a new folder in %1</source>
        <translation>自动：在 %1 中新建文件夹</translation>
    </message>
    <message>
        <source>optional, e.g. --workers 0 --val-every 200</source>
        <translation>可选，例如 --workers 0 --val-every 200</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Folder of high-quality face images (jpg, png, webp; sub-folders too)</source>
        <translation>高质量人脸图像文件夹（jpg、png、webp；包括子文件夹）</translation>
    </message>
    <message>
        <source>Faces to measure PSNR/SSIM on; empty: a few dataset images are held out</source>
        <translation>用于计算 PSNR/SSIM 的人脸；留空则从数据集中留出少量图像</translation>
    </message>
    <message>
        <source>A tested recipe: architecture, losses and schedule</source>
        <translation>经过验证的训练方案：网络结构、损失函数和学习率计划</translation>
    </message>
    <message>
        <source>Pre-train on the pixel loss first, then fine-tune with the GAN</source>
        <translation>先用像素损失预训练，再用 GAN 微调</translation>
    </message>
    <message>
        <source>The pixel-stage run (or generator file) the GAN stage starts from</source>
        <translation>GAN 阶段的起点：像素阶段的运行（或生成器文件）</translation>
    </message>
    <message>
        <source>Training steps (batches) in all</source>
        <translation>训练总步数（批次数）</translation>
    </message>
    <message>
        <source>Faces per step; lower it when memory runs out</source>
        <translation>每步的人脸数；内存不足时请调小</translation>
    </message>
    <message>
        <source>Learning rate of the generator</source>
        <translation>生成器的学习率</translation>
    </message>
    <message>
        <source>Upscale factor the model learns; with Init from it is the model&apos;s own</source>
        <translation>模型学习的放大倍数；使用“初始化自”时沿用该模型的倍数</translation>
    </message>
    <message>
        <source>Where checkpoints, curves and samples go; empty: a new folder</source>
        <translation>检查点、曲线和样例的保存位置；留空则新建文件夹</translation>
    </message>
    <message>
        <source>More flags of “main.py train”, as on the command line</source>
        <translation>“main.py train”的其他参数，写法同命令行</translation>
    </message>
    <message>
        <source>Runs found on this computer; select one to see its curves</source>
        <translation>本机上找到的训练记录；选择一项查看其曲线</translation>
    </message>
    <message>
        <source>Start a new run in a separate process</source>
        <translation>在独立进程中开始新的训练</translation>
    </message>
    <message>
        <source>Ask the run to write a checkpoint and exit</source>
        <translation>让训练保存检查点后退出</translation>
    </message>
    <message>
        <source>Continue the selected run from its checkpoint</source>
        <translation>从检查点继续所选的训练</translation>
    </message>
    <message>
        <source>Add the run&apos;s best model to the model list</source>
        <translation>将此训练的最佳模型添加到模型列表</translation>
    </message>
    <message>
        <source>Look for runs again</source>
        <translation>重新查找训练记录</translation>
    </message>
</context>
<context>
    <name>RunMonitor</name>
    <message>
        <source>step</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>Losses</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失值</translation>
    </message>
    <message>
        <source>generator (total)</source>
        <translation>生成器（总计）</translation>
    </message>
    <message>
        <source>pixel</source>
        <translation>像素</translation>
    </message>
    <message>
        <source>perceptual</source>
        <translation>感知</translation>
    </message>
    <message>
        <source>adversarial</source>
        <translation>对抗</translation>
    </message>
    <message>
        <source>discriminator</source>
        <translation>判别器</translation>
    </message>
    <message>
        <source>Validation PSNR-Y</source>
        <translation>验证集 PSNR-Y</translation>
    </message>
    <message>
        <source>dB</source>
        <translation>dB</translation>
    </message>
    <message>
        <source>model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>bicubic</source>
        <translation>双三次插值</translation>
    </message>
    <message>
        <source>Validation SSIM-Y</source>
        <translation>验证集 SSIM-Y</translation>
    </message>
    <message>
        <source>SSIM</source>
        <translation>SSIM</translation>
    </message>
    <message>
        <source>feature matching</source>
        <translation>特征匹配</translation>
    </message>
    <message>
        <source>Validation detail ratio</source>
        <translation>验证集细节比</translation>
    </message>
    <message>
        <source>ratio (1 = the originals)</source>
        <translation>比值（1 = 原图）</translation>
    </message>
</context>
<context>
    <name>SampleView</name>
    <message>
        <source>Cannot open the sample</source>
        <translation>无法打开样例</translation>
    </message>
    <message>
        <source>%1: the image cannot be read</source>
        <translation>%1：无法读取该图像</translation>
    </message>
</context>
<context>
    <name>ImageViewer</name>
    <message>
        <source>Image</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <source>Show the whole image</source>
        <translation>显示整张图像</translation>
    </message>
    <message>
        <source>100%</source>
        <translation>100%</translation>
    </message>
    <message>
        <source>One image pixel per screen pixel</source>
        <translation>一个图像像素对应一个屏幕像素</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>放大</translation>
    </message>
    <message>
        <source>Enlarge the view (or turn the mouse wheel)</source>
        <translation>放大视图（或滚动鼠标滚轮）</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>缩小</translation>
    </message>
    <message>
        <source>Shrink the view (or turn the mouse wheel)</source>
        <translation>缩小视图（或滚动鼠标滚轮）</translation>
    </message>
    <message>
        <source>The wheel zooms, dragging pans; double-click: fit or 100%</source>
        <translation>滚轮缩放，拖动平移；双击：适应窗口或 100%</translation>
    </message>
</context>
<context>
    <name>UseModelDialog</name>
    <message>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <source> (best validation, step %1)</source>
        <translation>（最佳验证结果，第 %1 步）</translation>
    </message>
    <message>
        <source>Add the run’s best model to the model lists%1.</source>
        <translation>将此训练的最佳模型添加到模型列表%1。</translation>
    </message>
    <message>
        <source>PSNR-Y:</source>
        <translation>PSNR-Y：</translation>
    </message>
    <message>
        <source>SSIM-Y:</source>
        <translation>SSIM-Y：</translation>
    </message>
    <message>
        <source>Input size:</source>
        <translation>输入尺寸：</translation>
    </message>
    <message>
        <source>&amp;Name in the model lists:</source>
        <translation>模型列表中的名称(&amp;N)：</translation>
    </message>
    <message>
        <source>not measured (the run has not validated yet)</source>
        <translation>未测量（此训练尚未验证）</translation>
    </message>
    <message>
        <source>%1 dB; bicubic upscaling %2 dB (%3 dB)</source>
        <translation>%1 dB；双三次插值放大 %2 dB（%3 dB）</translation>
    </message>
    <message>
        <source>%1; bicubic upscaling %2</source>
        <translation>%1；双三次插值放大 %2</translation>
    </message>
    <message>
        <source>%1×%1 px faces, enlarged ×%2. Faces larger than %1 px in a photo are left to the background upscaler (a face is never made worse), so photos with large faces may get no face restored.</source>
        <translation>%1×%1 像素的人脸，放大 ×%2。照片中大于 %1 像素的人脸交给背景放大处理（人脸绝不会变差），因此人脸较大的照片可能没有一张人脸被修复。</translation>
    </message>
    <message>
        <source>This model scores below plain bicubic upscaling: it makes faces worse. Train it longer before using it.</source>
        <translation>此模型的得分低于普通的双三次插值放大：它会让人脸变差。请先训练更长时间再使用。</translation>
    </message>
    <message>
        <source>&amp;Switch the Restore tab to this model now</source>
        <translation>立即让“修复”页改用此模型(&amp;S)</translation>
    </message>
    <message>
        <source>Otherwise the model is added to the lists and the Restore tab keeps its current model</source>
        <translation>否则模型只加入列表，“修复”页继续使用当前模型</translation>
    </message>
    <message>
        <source>&amp;Add the model</source>
        <translation>添加模型(&amp;A)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Type a name for the model.</source>
        <translation>请输入模型名称。</translation>
    </message>
    <message>
        <source>The name is too long (at most %1 characters).</source>
        <translation>名称过长（最多 %1 个字符）。</translation>
    </message>
    <message>
        <source>A name cannot start with a dot or hold any of &lt; &gt; : &quot; / \ | ? *</source>
        <translation>名称不能以点开头，也不能包含 &lt; &gt; : &quot; / \ | ? * 中的任何字符</translation>
    </message>
    <message>
        <source>A model named “%1” already exists: choose another name.</source>
        <translation>已存在名为“%1”的模型：请换一个名称。</translation>
    </message>
</context>
</TS>
